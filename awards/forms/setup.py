"""Forms of the set-up pages (issue 21): several vendors invited at once, evaluators chosen as people and their
criterion groups as checkboxes, unassigning and revising with a reason. Input shape only; the services decide."""

from django import forms

from awards.forms.procedure import ReasonForm
from awards.models import CriterionGroup
from procurement.people import PeopleChoiceField, PersonChoiceField  # noqa: F401 (PersonChoiceField re-exported)
from vendors.models import Vendor


class InviteVendorsForm(forms.Form):
    """Vendors to invite, as a checkbox list of those bid_invite would accept (the caller's queryset)."""

    vendor = forms.ModelMultipleChoiceField(
        label="Vendors to invite", queryset=Vendor.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="From the vendor registry: those already invited or exited are not listed. Every one is invited, "
                  "or none if one cannot be.")

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendors
        self.fields["vendor"].label_from_instance = self._label

    @staticmethod
    def _label(vendor) -> str:
        tier = vendor.get_tier_display() if vendor.tier else "untiered"
        return f"{vendor} ({tier})"


def _groups_field(**kwargs):
    return forms.ModelMultipleChoiceField(
        label="Criterion groups", required=False, queryset=CriterionGroup.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The parts of the scorecard they score. None ticked: every group.", **kwargs)


class AssignEvaluatorsForm(forms.Form):
    evaluators = PeopleChoiceField(
        label="Evaluators", queryset=None,
        help_text="Active evaluators who are not already on this procedure and not its lead.")
    groups = _groups_field()

    def __init__(self, *args, people, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluators"].queryset = people
        self.fields["groups"].queryset = groups
        if not groups.exists():
            self.fields["groups"].help_text = ("The scorecard has no groups yet: they score every criterion. You can "
                                               "choose groups later.")


class SetGroupsForm(ReasonForm):
    groups = _groups_field()
    field_order = ["groups", "reason"]

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = groups


class UnassignForm(ReasonForm):
    """Unassigning asks for the reason (kept with the record) and an explicit confirmation."""

    confirm = forms.BooleanField(label="Yes: take this evaluator off the procedure; their unsubmitted scores go")
    field_order = ["reason", "confirm"]


class ReviseDeclarationForm(ReasonForm):
    conflict = forms.ChoiceField(label="Do you have a conflict of interest with this vendor?",
                                 choices=[("no", "No conflict"), ("yes", "Yes, I have a conflict to declare")],
                                 widget=forms.RadioSelect)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                                  help_text="If yes: the relationship, interest or past role.")
    field_order = ["conflict", "description", "reason"]
