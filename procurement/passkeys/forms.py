"""Forms of the passkey pages: register one (the browser fills `credential`), remove one (with a reason)."""

import json

from django import forms

AUTO_ID = "passkey_%s"  # ids unique on the preferences page, which holds other panels' forms


class PasskeyRegisterForm(forms.Form):
    name = forms.CharField(max_length=80, label="Passkey name",
                           help_text="A name you will recognise, e.g. “Work laptop” or “Security key”.")
    credential = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40000)

    def clean_credential(self):
        raw = (self.cleaned_data.get("credential") or "").strip()
        if not raw and "name" in self.errors:
            return None  # no name, no ceremony: the name's error says what to do
        if not raw:
            raise forms.ValidationError("Your browser did not create a passkey: the request was cancelled, timed "
                                        "out or is not supported here. Nothing was saved; try again.")
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise forms.ValidationError("Baton could not read the passkey your browser created. Nothing was saved; "
                                        "try again.")
        return value


class PasskeyRevokeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why remove it",
                             help_text="Kept in the passkey's history, e.g. “Laptop lost” or “Replaced the key”.")
    confirm = forms.BooleanField(label="Yes, remove this passkey: it will no longer sign anything",
                                 error_messages={"required": "Tick the confirmation to remove the passkey."})
