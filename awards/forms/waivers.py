"""The form to record a waiver: input shape only (who may record which kind is awards.policies.WaiverPolicy)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from awards.models.waivers import MIN_REASON_LENGTH, WaiverKind
from procurement.accounts.roles import Role

User = get_user_model()


class WaiverForm(forms.Form):
    kind = forms.ChoiceField(label="What is waived", choices=(), widget=forms.RadioSelect,
                             help_text="Only the kinds you may record for this procedure are offered.")
    subject = forms.CharField(
        label="Subject", max_length=200, required=False,
        help_text="What exactly is waived: for a late bid the vendor's name; for a risk its title. Left blank, the "
                  "waiver covers every case of this kind in this procedure.")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
        help_text=f"Why the organisation proceeds anyway, in a sentence or more (at least {MIN_REASON_LENGTH} "
                  "characters). The waiver is judged on it.")
    beneficiary = forms.ModelChoiceField(
        label="Who proceeds because of it", queryset=User.objects.none(),
        help_text="The person allowed to go ahead; by default the procedure's lead. Never yourself.")

    def __init__(self, *args, procedure, kinds, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("beneficiary", procedure.lead_id)
        super().__init__(*args, **kwargs)
        labels = dict(WaiverKind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
        self.fields["beneficiary"].queryset = (
            User.objects.filter(is_active=True)
            .filter(Q(groups__name=Role.PROCUREMENT_LEAD) | Q(pk__in=[procedure.lead_id, procedure.business_owner_id]))
            .distinct().order_by("last_name", "first_name", "username"))
