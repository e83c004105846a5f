"""Forms of the contracts app: input only (the services hold the rules; status is never a field)."""

from django import forms
from django.contrib.auth import get_user_model

from contracts.models import ClauseFeedback, Contract, NegotiationIssue, Scenario, TeamRole
from contracts.models.clauses import ClauseStatus
from contracts.models.planning import LEVELS, RACI_PARTIES, RaciCode

User = get_user_model()
DATE = forms.DateInput(attrs={"type": "date"})


def people():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class PersonField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=people(), **kwargs)

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class ContractFilterForm(forms.Form):
    q = forms.CharField(label="Reference or title", required=False)
    vendor = forms.CharField(required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *Contract.Status.choices], required=False)


class ContractOpenForm(forms.Form):
    memo = forms.ModelChoiceField(queryset=None, label="Approved decision memo",
                                  help_text="The contract takes its vendor, procedure and value from the memo's "
                                            "award.")
    title = forms.CharField(max_length=200, required=False, help_text="Leave empty to name it after the award.")
    post_award_manager = PersonField(label="Post-award contract manager", required=False,
                                     help_text="Needed before the kickoff can be held.")
    legal_counsel = PersonField(required=False)
    security_reviewer = PersonField(label="Security/privacy reviewer", required=False)

    def __init__(self, *args, memos=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["memo"].queryset = memos
        self.fields["memo"].label_from_instance = lambda memo: f"{memo.procedure.reference} — " \
                                                               f"{memo.recommended_vendor} ({memo.title})"


class ContractForm(forms.ModelForm):
    negotiation_lead = PersonField()
    legal_counsel = PersonField(required=False)
    post_award_manager = PersonField(label="Post-award contract manager", required=False)
    security_reviewer = PersonField(label="Security/privacy reviewer", required=False)
    business_owner = PersonField(required=False)

    class Meta:
        model = Contract
        fields = ["title", "value", "currency", "start_date", "end_date", "renewal", "notice_period_days",
                  "negotiation_lead", "legal_counsel", "post_award_manager", "security_reviewer", "business_owner"]
        widgets = {"start_date": DATE, "end_date": DATE}


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept in the audit trail.")


class KickoffForm(forms.Form):
    meeting_date = forms.DateField(widget=DATE, required=False)
    goals = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    known_risks = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    operational_realities = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    timeline = forms.CharField(label="Negotiation timeline", widget=forms.Textarea(attrs={"rows": 3}),
                               required=False)
    walk_away_conditions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False,
                              help_text="Record after the meeting.")


class AttendeeForm(forms.Form):
    user = PersonField(label="Person")
    role = forms.ChoiceField(label="Role at the kickoff", choices=TeamRole.choices + [("other", "Other")])


class ActionForm(forms.Form):
    description = forms.CharField(max_length=300)
    owner = PersonField()
    due_date = forms.DateField(widget=DATE)


class ClausePositionForm(forms.Form):
    target = forms.CharField(label="Our target", widget=forms.Textarea(attrs={"rows": 3}))
    fallback = forms.CharField(label="Our fallback", widget=forms.Textarea(attrs={"rows": 3}))
    walk_away = forms.CharField(label="Our walk-away", widget=forms.Textarea(attrs={"rows": 3}))
    vendor_position = forms.CharField(label="The vendor's current position", required=False,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    owner = PersonField(required=False)
    agreed_summary = forms.CharField(label="Agreed wording (summary)", required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, vendor_side_only: bool = False, **kwargs):
        """`vendor_side_only`: a team member who is not the negotiation side (the post-award manager, for one)
        records only the vendor's position; our positions are shown on the page beside the form, never offered as
        fields."""
        super().__init__(*args, **kwargs)
        if vendor_side_only:
            for name in [name for name in self.fields if name != "vendor_position"]:
                del self.fields[name]


class ClauseStatusForm(forms.Form):
    agreed_summary = forms.CharField(label="Agreed wording (summary)", required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Needed to escalate or concede.")
    beyond_walk_away = forms.BooleanField(label="This concedes beyond our walk-away position", required=False,
                                          help_text="Registers a risk against the vendor.")
    override_reason = forms.CharField(label="Override unresolved feedback because", required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text="Procurement lead only, when feedback is still open.")

    def __init__(self, *args, target: str, **kwargs):
        super().__init__(*args, **kwargs)
        if target != ClauseStatus.CONCEDED:
            del self.fields["beyond_walk_away"]
        if target != ClauseStatus.AGREED:
            del self.fields["override_reason"]
        if target not in (ClauseStatus.AGREED, ClauseStatus.CONCEDED):
            del self.fields["agreed_summary"]


class FeedbackForm(forms.Form):
    topic = forms.ChoiceField(choices=ClauseFeedback.Topic.choices)
    body = forms.CharField(label="Feedback", widget=forms.Textarea(attrs={"rows": 3}))


class FeedbackResponseForm(forms.Form):
    response = forms.CharField(label="Answer", widget=forms.Textarea(attrs={"rows": 3}))
    resolve = forms.BooleanField(label="This resolves the feedback", required=False, initial=True)


class ScenarioForm(forms.Form):
    kind = forms.ChoiceField(label="Scenario", choices=Scenario.Kind.choices)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    likelihood = forms.TypedChoiceField(choices=LEVELS, coerce=int, initial=3)
    impact = forms.TypedChoiceField(choices=LEVELS, coerce=int, initial=3)
    contingency = forms.CharField(label="Contingency terms needed", required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="A scenario without contingency terms is flagged.")
    clauses = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clauses"].queryset = contract.clauses.all()


class RaciGridForm(forms.Form):
    """One select per (activity, party); field names are `cell-<activity id>-<party>`."""

    CHOICES = [("", "—"), *RaciCode.choices]

    def __init__(self, *args, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for activity in activities:
            current = {c.party: c.code for c in activity.assignments.all()}
            names = []
            for party, label in RACI_PARTIES:
                name = f"cell-{activity.pk}-{party}"
                self.fields[name] = forms.ChoiceField(choices=self.CHOICES, required=False,
                                                      initial=current.get(party, ""),
                                                      label=f"{activity.name} — {label}")
                names.append(name)
            self.rows.append((activity, [self[n] for n in names]))

    def grid(self) -> dict[int, dict[str, str]]:
        grid: dict[int, dict[str, str]] = {}
        for name, value in self.cleaned_data.items():
            _, pk, party = name.split("-", 2)
            grid.setdefault(int(pk), {})[party] = value
        return grid


class RaciActivityForm(forms.Form):
    name = forms.CharField(label="Activity", max_length=200)
    accountable = forms.ChoiceField(label="Accountable", choices=RACI_PARTIES)


class IssueForm(forms.Form):
    title = forms.CharField(label="Issue", max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    priority = forms.ChoiceField(choices=NegotiationIssue.Priority.choices, initial="medium")


class IssueResolveForm(forms.Form):
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    conceded = forms.CharField(label="What we conceded", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    in_return = forms.CharField(label="What we got in return", required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_date = forms.DateField(widget=DATE)
    payment_amount = forms.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=0)


class ChecklistItemForm(forms.Form):
    owner = PersonField(required=False)
    done_on = forms.DateField(label="Done on", widget=DATE, required=False)
