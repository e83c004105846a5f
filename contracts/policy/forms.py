"""The forms of the contracts policy pages (issue 21): each table is one formset (a row per form, blank rows to
add, a "remove" box where a row may go) plus the reason for the change. The forms check the fields; the services
check the table as a whole (contracts.policy.services)."""

from __future__ import annotations

from django import forms

from contracts.models.performance import Direction, Frequency
from contracts.models.reviews import ReviewTeam

TIER_CHOICES = [("critical", "Critical"), ("high", "High"), ("medium", "Medium"), ("low", "Low")]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Why the policy changes", max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Kept with the new version and in the history. It applies to what starts "
                                       "from now; what is in flight keeps its version.")


class PlaybookClauseForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    key = forms.SlugField(max_length=60, required=False,
                          help_text="A short code; fixed once the clause exists (contracts name it).")
    title = forms.CharField(max_length=200)
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    required_tiers = forms.MultipleChoiceField(choices=TIER_CHOICES, required=False,
                                               widget=forms.CheckboxSelectMultiple,
                                               label="Tiers that must carry it")
    target = forms.CharField(label="Default target", widget=forms.Textarea(attrs={"rows": 2}))
    fallback = forms.CharField(label="Default fallback", widget=forms.Textarea(attrs={"rows": 2}))
    walk_away = forms.CharField(label="Default walk-away", widget=forms.Textarea(attrs={"rows": 2}))
    order = forms.IntegerField(min_value=0, required=False)
    retired = forms.BooleanField(required=False, label="Retired",
                                 help_text="A retired clause is not added to new contracts; contracts that carry it "
                                           "keep it. Clauses are retired, never deleted.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (self.initial or {}).get("id"):
            self.fields["key"].disabled = True


class KpiTemplateForm(forms.Form):
    clause = forms.ChoiceField(label="Clause", choices=())
    name = forms.CharField(label="KPI", max_length=120)
    unit = forms.CharField(max_length=20, required=False)
    direction = forms.ChoiceField(choices=Direction.choices)
    threshold = forms.DecimalField(max_digits=14, decimal_places=4, label="Starting threshold")
    frequency = forms.ChoiceField(choices=Frequency.choices)

    def __init__(self, *args, clauses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause"].choices = [("", "—")] + list(clauses)


class CheckinQuestionForm(forms.Form):
    team = forms.ChoiceField(choices=[("", "—")] + list(ReviewTeam.choices))
    key = forms.SlugField(max_length=40, label="Key",
                          help_text="Answers are stored against it: keep it when you reword a question.")
    topic = forms.ChoiceField(choices=())
    text = forms.CharField(label="Question", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from contracts.checkins import TOPICS

        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "—")] + list(TOPICS.items())


class LeadTimesForm(forms.Form):
    notice = forms.IntegerField(label="Days before the notice deadline", min_value=1, max_value=365,
                                help_text="Reminders start this many days before the last day to give notice.")
    renewal = forms.IntegerField(label="Days before the end (renewal) date", min_value=1, max_value=365,
                                 help_text="Reminders start this many days before the term ends.")


PlaybookFormSet = forms.formset_factory(PlaybookClauseForm, extra=1, max_num=200, validate_max=True)
KpiTemplateFormSet = forms.formset_factory(KpiTemplateForm, extra=2, can_delete=True, max_num=200,
                                           validate_max=True)
CheckinFormSet = forms.formset_factory(CheckinQuestionForm, extra=2, can_delete=True, max_num=200,
                                       validate_max=True)
