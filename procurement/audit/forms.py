from django import forms
from django.contrib.auth import get_user_model

from procurement.audit.log import tracked_types


class LogFilterForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.order_by("username"), required=False,
                                  empty_label="Anyone", label="Changed by")
    object_type = forms.ChoiceField(required=False, label="Kind of record")
    object_id = forms.CharField(required=False, max_length=100, label="Record id",
                                help_text="With a kind of record: the history of that one record.")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "Every kind"), *tracked_types()]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        if cleaned.get("object_id") and not cleaned.get("object_type"):
            self.add_error("object_id", "Choose the kind of record too: ids repeat across kinds.")
        return cleaned
