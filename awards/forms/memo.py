"""Forms of the decision memo, sign-off and debriefs. Labels on every field; no status field anywhere."""

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
    says the signature counts for each of them."""

    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect, label="Your decision")
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Required when you reject or request changes.")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               label="Your password", help_text="Re-enter your password to sign.")
    confirm = forms.BooleanField(label="I have read this version of the memo and sign it as shown", required=True)

    def __init__(self, *args, steps=(), one_per_person: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = list(steps)
        self.one_per_person = one_per_person
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
