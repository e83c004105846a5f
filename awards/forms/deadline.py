"""The proposals deadline's time and zone on the timeline form (issue 21).

    class TimelineForm(TimelineDeadlineForm, forms.ModelForm):   # awards.forms.procedure
        ...

Adds two fields after the dates: "Proposals due by (time)" (empty: the end of the proposals-due day, as before)
and "Deadline time zone" (empty: the site's zone), pre-filled from the procedure. Both arrive in cleaned_data
under the model's names (`proposals_due_time`, `time_zone`) for awards.services.procedure.procedure_set_timeline.
What the deadline then is: awards.selectors.timeline.proposals_deadline.
"""

from django import forms

from procurement.time_zones import TimeZoneField

DEADLINE_FIELDS = ("proposals_due_time", "time_zone")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class TimelineDeadlineForm(forms.Form):
    proposals_due_time = forms.TimeField(
        label="Proposals due by (time)", required=False, widget=TimeInput(),
        help_text="The time on the proposals-due date by which proposals must arrive, e.g. 12:00. Leave empty for "
                  "the end of that day.")
    time_zone = TimeZoneField(
        label="Deadline time zone",
        help_text="The zone the deadline is set in; bidders see it with the zone's name, and anyone in another zone "
                  "also sees the time on their own clock.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        for name in DEADLINE_FIELDS:
            if name in self.fields and instance is not None and name not in self.initial:
                self.initial[name] = getattr(instance, name, None)

    def clean(self):
        cleaned = super().clean()
        due_time = cleaned.get("proposals_due_time")
        if due_time is not None:
            cleaned["proposals_due_time"] = due_time.replace(second=0, microsecond=0)
            if "proposals_due" in self.fields and not cleaned.get("proposals_due") \
                    and "proposals_due" not in self.errors:
                self.add_error("proposals_due_time", "Set the proposals-due date too: the time is on that day.")
        return cleaned
