"""The publication decision's form: a reason, kept in the audit trail."""

from django import forms


class PublicationDecisionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="Why the organisation decides this (kept in the audit trail; never published).")


class PublicationFilterForm(forms.Form):
    STATES = [("", "Any"), ("published", "Published"), ("withdrawn", "Withdrawn"), ("unpublished", "Not published")]

    state = forms.ChoiceField(label="Publication", choices=STATES, required=False)
    q = forms.CharField(label="Reference or title", required=False, max_length=200)
