"""Forms of the decision memo, sign-off and debriefs. Labels on every field; no status field anywhere."""

import json

from django import forms

from awards.models import Bid, Debrief, DecisionMemo
from awards.models.approval import Decision
from vendors.models import Risk

NARRATIVE = forms.Textarea(attrs={"rows": 4})


class MemoForm(forms.ModelForm):
    class Meta:
        model = DecisionMemo
        fields = ["title", "decision_date", "contract_value", "recommended_bid", "recommendation",
                  "ranking_justification", "do_nothing", "build_in_house", "residual_risks", "risk_notes",
                  "negotiation_objectives", "key_asks", "key_clauses", "walk_away", "batna_notes"]
        widgets = {
            "decision_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "residual_risks": forms.CheckboxSelectMultiple,
            **{name: NARRATIVE for name in ("recommendation", "ranking_justification", "do_nothing",
                                            "build_in_house", "risk_notes", "negotiation_objectives", "key_asks",
                                            "key_clauses", "walk_away", "batna_notes")},
        }
        labels = {"recommended_bid": "Recommended bid", "residual_risks": "Residual risks accepted with this award"}

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0,
                                  label="Revision you are editing")

    def __init__(self, *args, procedure, alternatives=(), **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["revision"].initial = self.instance.revision
        bids = Bid.objects.filter(procedure=procedure, status=Bid.Status.SHORTLISTED).select_related("vendor")
        self.fields["recommended_bid"].queryset = bids
        self.fields["recommended_bid"].label_from_instance = lambda bid: str(bid.vendor)
        self.fields["residual_risks"].queryset = Risk.objects.filter(
            vendor__in=[b.vendor_id for b in bids]).select_related("vendor").order_by("vendor__legal_name", "pk")
        self.fields["residual_risks"].label_from_instance = (
            lambda risk: f"{risk.vendor}: {risk.title} (residual {risk.residual_score}, {risk.get_status_display()})")
        self.fields["residual_risks"].help_text = "Only the recommended vendor's risks may be chosen."
        self.alternative_fields = []
        for alternative in alternatives:
            name = f"alt_{alternative.bid_id}"
            self.fields[name] = forms.CharField(
                label=f"Why not {alternative.bid.vendor}", required=False, widget=NARRATIVE,
                initial=alternative.reason, help_text="Markdown.")
            self.alternative_fields.append(name)

    def alternatives(self) -> dict[int, str]:
        return {int(name[4:]): self.cleaned_data.get(name, "") for name in self.alternative_fields}

    def expected_revision(self) -> int | None:
        """The memo revision this form was read at (None when the client sent none)."""
        return self.cleaned_data.get("revision")

    def conflict(self, message: str, *, current_revision: int) -> None:
        """Show an edit conflict: the message at the top, the user's text kept, and the hidden revision moved
        on so that saving again (after comparing) replaces the other person's version deliberately."""
        self.data = self.data.copy()
        self.data[self.add_prefix("revision")] = str(current_revision)
        self.add_error(None, message)

    def changes(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "residual_risks"}
        return data


class SignOffForm(forms.Form):
    """The step-up sign-off. It names the committee(s) the signature counts for: `steps` are the signer's
    committees on the route still short of quorum (awards.services.approval.signable_steps). With one committee
    per person (awards.policies.one_committee_per_person) a signer on several chooses one; otherwise the form
    says the signature counts for each of them.

    The step-up is the password, or (`step_up="passkey"`, the "Sign with your passkey" button) the passkey answer
    the page's script puts in `passkey_assertion`. `user` without a usable password (single sign-on) has no
    password field: a passkey is their only way. `options_only`: the script asking for the passkey challenge; the
    step-up itself is not checked yet."""

    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect, label="Your decision")
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Required when you reject or request changes.")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               label="Your password", help_text="Re-enter your password to sign.", required=False)
    confirm = forms.BooleanField(label="I have read this version of the memo and sign it as shown", required=True)
    passkey_assertion = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20000)

    def __init__(self, *args, steps=(), one_per_person: bool = True, user=None, has_passkey: bool = False,
                 step_up: str = "password", options_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = list(steps)
        self.one_per_person = one_per_person
        self.has_passkey = has_passkey
        self.step_up = "passkey" if step_up == "passkey" else "password"
        self.options_only = options_only
        self.password_possible = user is None or user.has_usable_password()
        if not self.password_possible:
            del self.fields["password"]
        names = [step.committee_name for step in self.steps]
        if one_per_person and len(self.steps) > 1:
            self.fields["committee"] = forms.TypedChoiceField(
                choices=[(step.pk, step.committee_name) for step in self.steps], coerce=int,
                widget=forms.RadioSelect, label="The committee your signature counts for",
                help_text="You sit on more than one committee of this route. Your signature counts for the one you "
                          "choose, only; you cannot sign again for another.",
                error_messages={"required": "Choose the committee your signature counts for."})
            self.counts_for = ""
        elif one_per_person and self.steps:
            self.counts_for = (f"Your signature counts for the {names[0]} only; you cannot sign again for "
                               "another committee of this route.")
        elif self.steps:
            self.counts_for = ("Your signature counts for each of these committees: " + ", ".join(names) + "."
                               if len(names) > 1 else f"Your signature counts for the {names[0]}.")
        else:
            self.counts_for = ""

    def clean(self):
        data = super().clean()
        data["assertion"] = None
        if self.step_up == "passkey":
            data["password"] = ""
            if self.options_only:
                return data
            raw = (data.get("passkey_assertion") or "").strip()
            if not self.has_passkey:
                self.add_error("passkey_assertion", "You have no passkey registered: register one on your "
                                                    "preferences page" + (", or sign with your password."
                                                                          if self.password_possible else "."))
            elif not raw:
                if not self.errors:  # the ceremony stopped because of the errors shown, or was cancelled
                    self.add_error("passkey_assertion", "The passkey request was cancelled or did not finish. "
                                                        "Nothing was recorded: sign with your passkey again.")
            else:
                try:
                    data["assertion"] = json.loads(raw)
                except ValueError:
                    data["assertion"] = None
                if not isinstance(data["assertion"], dict):
                    data["assertion"] = None
                    self.add_error("passkey_assertion", "Baton could not read your passkey's answer. Nothing was "
                                                        "recorded: sign with your passkey again.")
        elif not self.password_possible:
            self.add_error("passkey_assertion", "You sign in through single sign-on and have no password in "
                                                "Baton: sign with a passkey.")
        elif not data.get("password"):
            self.add_error("password", forms.Field.default_error_messages["required"])
        return data

    def step_up_kwargs(self) -> dict:
        """The step-up arguments of awards.services.signoff_record: exactly one of them."""
        if self.step_up == "passkey":
            return {"passkey_assertion": self.cleaned_data.get("assertion")}
        return {"password": self.cleaned_data.get("password", "")}

    def committee(self):
        """The step the signature counts for: the one chosen, or the only one; None when it counts for each."""
        if "committee" in self.fields:
            return self.cleaned_data.get("committee")
        if self.one_per_person and len(self.steps) == 1:
            return self.steps[0].pk
        return None


class DebriefForm(forms.ModelForm):
    class Meta:
        model = Debrief
        fields = ["held_on", "attendees", "strengths", "weaknesses", "advice"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "attendees": forms.Textarea(attrs={"rows": 3}), "strengths": NARRATIVE,
                   "weaknesses": NARRATIVE, "advice": NARRATIVE}


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(label="I have checked the memo and submit it for approval",
                                 error_messages={"required": "Tick the confirmation to submit the memo."})
