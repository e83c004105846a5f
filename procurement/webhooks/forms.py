"""Forms of the webhooks pages: they only shape input; the services validate and decide."""

from django import forms

from procurement.webhooks.services import event_choices


class SubscriptionForm(forms.Form):
    url = forms.CharField(label="URL", max_length=2000,
                          help_text="Where Baton posts the events. https:// and a public address; Baton checks "
                                    "the address again before every delivery.")
    events = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple,
                                       help_text="The events this receiver gets.")
    description = forms.CharField(required=False, max_length=300,
                                  help_text="Who receives these events and why, e.g. “Finance ERP”.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = event_choices()


class SubscriptionEditForm(SubscriptionForm):
    reason = forms.CharField(max_length=100, initial="Subscription edited",
                             help_text="Kept in the subscription's history.")


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, help_text="Kept in the subscription's history.")
