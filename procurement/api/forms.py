from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from procurement.api.policies import scopes_for


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80, help_text="What the token is for, e.g. “ERP nightly sync”.")
    scope = forms.ChoiceField(label="Scope", help_text="Read: GET only. Read and write: also the write endpoints.")
    expires_on = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="The token stops working on this day.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes_for(user)
        longest = settings.BATON_API_TOKEN_MAX_DAYS
        self.fields["expires_on"].help_text = f"The token stops working on this day (at most {longest} days ahead)."
        if not self.is_bound:
            self.initial.setdefault("expires_on", (timezone.localdate() + timedelta(days=90)).isoformat())


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Why the token is revoked (kept in the history).")
