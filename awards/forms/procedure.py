"""Forms: input shape only. Rules live in the models' clean() and in the services."""

from django import forms
from django.contrib.auth import get_user_model

from awards.forms.deadline import TimelineDeadlineForm
from awards.models import AwardProcedure, Bid, PovCriterion, ReferenceCheck, Requirement
from awards.models.procedure import TIMELINE_FIELDS, Stage
from procurement.accounts.roles import Role
from procurement.people import PersonChoiceField, people_with_role
from vendors.models import OfferingType

User = get_user_model()


def users_with_role(role: str):
    return User.objects.filter(is_active=True, groups__name=role).distinct().order_by("last_name", "first_name")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProcedureForm(forms.ModelForm):
    class Meta:
        model = AwardProcedure
        fields = ["title", "need_statement", "business_owner", "category", "estimated_value", "currency",
                  "term_months", "submission", "single_source_justification"]
        widgets = {"need_statement": forms.Textarea(attrs={"rows": 5}),
                   "single_source_justification": forms.Textarea(attrs={"rows": 3}),
                   "submission": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_owner"] = PersonChoiceField(
            queryset=people_with_role(Role.BUSINESS_OWNER), label="Business owner",
            help_text="Owns the need and agrees the requirements: active people with the business owner role.")
        self.fields["category"].label = "Category"


class TimelineForm(TimelineDeadlineForm, forms.ModelForm):
    """The timeline's dates; once the RFP is issued (`issued=True`) the issue date is shown but fixed, and a reason
    is asked for the change (the service decides what else a change after issue needs)."""

    reason = forms.CharField(
        label="Reason for the change", required=False, max_length=200,
        help_text="Needed once the RFP is issued: it is kept in the history and sent to every bidder with the new "
                  "dates. Keep it short (70 characters at most).")

    class Meta:
        model = AwardProcedure
        fields = [field for field, _, _ in TIMELINE_FIELDS]
        widgets = {field: DateInput() for field, _, _ in TIMELINE_FIELDS}

    def __init__(self, *args, issued: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if issued:
            self.fields["rfp_issue_date"].disabled = True
            self.fields["rfp_issue_date"].help_text = "The RFP is issued; its issue date no longer changes."
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="Recorded in the audit trail with your name.")


class RequirementForm(forms.ModelForm):
    class Meta:
        model = Requirement
        fields = ["title", "priority", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=200)
    file = forms.FileField(help_text="PDF, images, Office documents, CSV, plain text or ZIP; up to 25 MB. Its sha256 "
                                     "is computed on the server and pinned.")


class LateDecisionForm(ReasonForm):
    decision = forms.ChoiceField(choices=[("admit", "Admit the late bid"), ("reject", "Reject the late bid")],
                                 widget=forms.RadioSelect)
    field_order = ["decision", "reason"]


class BidDecisionForm(ReasonForm):
    status = forms.ChoiceField(label="Decision", choices=[(Bid.Status.SHORTLISTED, "Shortlist"),
                                                          (Bid.Status.KNOCKED_OUT, "Knock out")],
                               widget=forms.RadioSelect)
    field_order = ["status", "reason"]


class QuestionForm(forms.Form):
    bid = forms.ModelChoiceField(label="Asked by", queryset=Bid.objects.none(),
                                 help_text="Kept in the log; never published.")
    text = forms.CharField(label="Question as received", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, bids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bid"].queryset = bids
        self.fields["bid"].label_from_instance = lambda bid: str(bid.vendor)


class AnswerForm(forms.Form):
    public_text = forms.CharField(label="Question as published", required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="Reword it so it does not reveal who asked. Left empty, the question is "
                                            "published as received.")
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))


class DeclareForm(forms.Form):
    conflict = forms.ChoiceField(label="Do you have a conflict of interest with this vendor?",
                                 choices=[("no", "No conflict"), ("yes", "Yes, I have a conflict to declare")],
                                 widget=forms.RadioSelect)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="If yes: the relationship, interest or past role.")


class ReviewForm(ReasonForm):
    decision = forms.ChoiceField(choices=[("recuse", "Recuse the evaluator from this bid"),
                                          ("accept", "Accept the conflict; the evaluator may score this bid")],
                                 widget=forms.RadioSelect)
    field_order = ["decision", "reason"]


class PovCriterionForm(forms.ModelForm):
    class Meta:
        model = PovCriterion
        fields = ["metric", "comparator", "threshold", "unit", "test_set"]
        widgets = {"test_set": forms.Textarea(attrs={"rows": 3})}


class PovResultForm(forms.Form):
    value = forms.DecimalField(label="Measured value", max_digits=14, decimal_places=4)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="How it was measured, anything notable.")


class ReferenceForm(forms.ModelForm):
    class Meta:
        model = ReferenceCheck
        fields = ["source", "organisation", "contact_role", "checked_on", "rating", "findings"]
        widgets = {"checked_on": DateInput(), "findings": forms.Textarea(attrs={"rows": 4})}


class ProcedureFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False)
    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Stage.choices])
    category = forms.ChoiceField(required=False, choices=[("", "Any category"), *OfferingType.choices])
