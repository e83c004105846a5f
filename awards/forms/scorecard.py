"""Forms of the scorecard pages. They only shape input; every rule lives in the services."""

from django import forms

from awards.models.scorecard import Knockout, ScorecardTemplate
from vendors.models import Attestation

REASON_HELP = "Required once the scorecard is locked: recorded in the audit trail and sent to affected evaluators."


def _reason_field(required: bool = False) -> forms.CharField:
    return forms.CharField(required=required, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           label="Reason for the change", help_text=REASON_HELP)


class ScorecardCreateForm(forms.Form):
    template = forms.ModelChoiceField(queryset=ScorecardTemplate.objects.filter(active=True), required=False,
                                      empty_label="Start empty", label="Start from",
                                      help_text="A template copies its groups, criteria, guidance and knockouts; "
                                                "you then adapt them.")


class GroupForm(forms.Form):
    name = forms.CharField(max_length=120)
    weight = forms.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=100,
                                help_text="Points out of 100; all groups together must add up to exactly 100.")
    reason = _reason_field()


class CriterionForm(forms.Form):
    name = forms.CharField(max_length=200)
    group = forms.ModelChoiceField(queryset=None, empty_label=None)
    share = forms.DecimalField(max_digits=6, decimal_places=2, min_value=0, initial=1,
                               help_text="Relative share of the group's weight (1 and 1 split it in half).")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    guidance = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}),
                               label="Guidance per score level", help_text="What each score means, one line per "
                                                                           "level (e.g. “3 — met as asked”).")
    requirements = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                                  widget=forms.CheckboxSelectMultiple,
                                                  label="Requirements this criterion assesses")
    reason = _reason_field()

    def __init__(self, *args, scorecard, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = scorecard.groups.order_by("position", "pk")
        self.fields["requirements"].queryset = scorecard.procedure.requirements.order_by("pk")
        self.fields["requirements"].label_from_instance = lambda r: f"{r.code} {r.title} ({r.get_priority_display()})"


class KnockoutForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(choices=Knockout.Kind.choices, widget=forms.RadioSelect, initial=Knockout.Kind.MANUAL,
                             label="How it is decided")
    standards = forms.MultipleChoiceField(
        choices=[c for c in Attestation.Standard.choices if c[0] != Attestation.Standard.OTHER], required=False,
        widget=forms.CheckboxSelectMultiple, label="Accepted attestation standards (any one)",
        help_text="Only for knockouts proposed from the vendor's attestations.")
    horizon_months = forms.IntegerField(min_value=0, max_value=120, initial=12, label="Validity horizon (months)",
                                        help_text="The attestation must still be valid this long after the target "
                                                  "award date.")
    reason = _reason_field()


class KnockoutDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("pass", "Pass"), ("fail", "Fail")], widget=forms.RadioSelect)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Required when you decide against the proposal, or when there is none.")


class ConsensusForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Consensus note",
                           help_text="What the panel discussed and agreed.")
    score = forms.CharField(required=False, label="Consensus score (optional)",
                            help_text="Replaces the mean of the evaluators' scores for this bid and criterion.")


class ShortlistForm(forms.Form):
    decision = forms.ChoiceField(choices=[("shortlisted", "Shortlist"), ("knocked_out", "Knock out")],
                                 widget=forms.RadioSelect, initial="shortlisted")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class SheetImportForm(forms.Form):
    file = forms.FileField(label="Filled-in scoring sheet (.xlsx)")


class PriceFormulaForm(forms.Form):
    """The price formula of the scorecard (issue 20)."""

    formula = forms.ChoiceField(choices=(), widget=forms.RadioSelect, required=False, label="Price formula")
    criterion = forms.ModelChoiceField(queryset=None, required=False, empty_label="None",
                                       label="Criterion scored by price",
                                       help_text="Evaluators do not score this criterion; Baton scores it from each "
                                                 "bid's total cost over the term.")
    ceiling = forms.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False,
                                 label="Ceiling (total cost in the base currency)",
                                 help_text="Linear formula only: a bid costing this much or more scores 0.")
    reason = _reason_field()

    def __init__(self, *args, scorecard, **kwargs):
        from awards.models.scorecard import PriceFormula

        super().__init__(*args, **kwargs)
        self.fields["formula"].choices = PriceFormula.choices
        self.fields["criterion"].queryset = scorecard.criteria.order_by("group__position", "group_id", "position",
                                                                        "pk")
