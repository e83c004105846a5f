"""Forms of the awards policy pages: the whole table in one formset (blank rows to add, a box to remove)."""

from __future__ import annotations

from django import forms

from awards.approval_policy import TIERS
from awards.models import ApprovalRule, Committee
from procurement.accounts.roles import Role

TIER_CHOICES = [(t, t.capitalize()) for t in TIERS]


def approvers():
    """Who may sit on a committee: active committee approvers."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, groups__name=Role.COMMITTEE_APPROVER).distinct()


try:  # helper B's person picker: "Full name — role(s) (username)"
    from procurement.people import PeopleChoiceField as MembersField
except ImportError:  # pragma: no cover - before the picker exists
    class MembersField(forms.ModelMultipleChoiceField):
        widget = forms.CheckboxSelectMultiple

        def label_from_instance(self, obj) -> str:
            return f"{obj.get_full_name() or obj.username} ({obj.username})"


class CommitteeForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    key = forms.SlugField(label="Key", max_length=40, help_text="Fixed once created: versions name it.")
    name = forms.CharField(label="Name", max_length=120)
    quorum = forms.IntegerField(label="Quorum", min_value=1, max_value=50, initial=1)
    members = MembersField(queryset=None, label="Members", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = approvers()
        if self.initial.get("id"):
            self.fields["key"].widget.attrs["readonly"] = True


class RuleForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    position = forms.IntegerField(label="Order", min_value=0, max_value=32000, initial=0)
    name = forms.CharField(label="Name", max_length=160)
    currency = forms.CharField(label="Currency", max_length=3, required=False,
                               help_text="ISO 4217 code; empty: the base currency.",
                               widget=forms.TextInput(attrs={"size": 4}))
    min_value = forms.DecimalField(label="From (inclusive)", min_value=0, max_digits=14, decimal_places=2,
                                   initial=0)
    max_value = forms.DecimalField(label="Up to (exclusive)", required=False, min_value=0, max_digits=14,
                                   decimal_places=2, help_text="Empty: no upper limit.")
    tiers = forms.MultipleChoiceField(label="Vendor tiers", choices=TIER_CHOICES, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    committees = forms.ModelMultipleChoiceField(label="Committees", queryset=None, to_field_name="key",
                                                required=False, widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committees"].queryset = Committee.objects.order_by("pk")


CommitteeFormSet = forms.formset_factory(CommitteeForm, extra=1, can_delete=True)
RuleFormSet = forms.formset_factory(RuleForm, extra=1, can_delete=True)


def committees_initial() -> list[dict]:
    return [{"id": c.pk, "key": c.key, "name": c.name, "quorum": c.quorum, "members": list(c.members.all())}
            for c in Committee.objects.prefetch_related("members").order_by("pk")]


def rules_initial() -> list[dict]:
    return [{"id": r.pk, "position": r.position, "name": r.name, "currency": r.currency, "min_value": r.min_value,
             "max_value": r.max_value, "tiers": list(r.tiers), "committees": list(r.committees.all()),
             "active": r.active}
            for r in ApprovalRule.objects.prefetch_related("committees").order_by("position", "pk")]


