"""Forms of the post-award pages: input only (the services hold the rules; status is never a field)."""

from decimal import Decimal

from django import forms

from contracts import checkins
from contracts.forms.negotiation import PersonField
from contracts.models import ChangeOrder, CheckIn, Contract, Incident, Kpi
from contracts.models.contract import PaymentModel, PaymentSchedule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input reads
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class MilestonePlanForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_date = forms.DateField(widget=DATE)
    payment_amount = forms.DecimalField(max_digits=14, decimal_places=2, required=False, min_value=0)
    acceptance_criteria = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                          help_text="What the deliverable must do to be accepted.")
    test_method = forms.CharField(label="How it is tested", widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False, help_text="The test, on what data, in which setting.")
    tester = PersonField(label="Tested by", required=False)


class DeliverForm(forms.Form):
    delivered_on = forms.DateField(widget=DATE)
    reason = forms.CharField(label="What was delivered", max_length=200)


class DecideForm(forms.Form):
    evidence_note = forms.CharField(label="Acceptance evidence (test result) or reason for rejection",
                                    widget=forms.Textarea(attrs={"rows": 4}), required=False)
    evidence_file = forms.FileField(label="Evidence file (optional)", required=False,
                                    help_text="PDF, image, Office document, CSV, text or ZIP. Stored privately "
                                              "with its fingerprint.")


class PaymentTermsForm(forms.Form):
    payment_model = forms.ChoiceField(choices=PaymentModel.choices)
    payment_schedule = forms.ChoiceField(choices=PaymentSchedule.choices)
    payment_terms_days = forms.IntegerField(label="Payment terms (days)", min_value=0, max_value=365)
    spend_cap = forms.DecimalField(label="Usage spend cap", max_digits=14, decimal_places=2, required=False,
                                   min_value=0, help_text="Needed for usage-based pricing.")
    incident_notice_hours = forms.IntegerField(label="Incident notification time (hours)", min_value=1,
                                               max_value=24 * 90)


class InvoiceForm(forms.Form):
    number = forms.CharField(label="Invoice number", max_length=60)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(widget=DATE)
    milestone = forms.ModelChoiceField(queryset=None, required=False)
    period_start = forms.DateField(label="Billing period from", widget=DATE, required=False)
    period_end = forms.DateField(label="Billing period to", widget=DATE, required=False)

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = contract.milestones.all()


class DateForm(forms.Form):
    on = forms.DateField(label="Date", widget=DATE)


class ChangeOrderForm(forms.Form):
    title = forms.CharField(max_length=200)
    reason = forms.ChoiceField(choices=ChangeOrder.Reason.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    cost_impact = forms.DecimalField(label="Cost impact", max_digits=14, decimal_places=2, initial=0,
                                     help_text="Added to the contract value; negative for a saving.")
    schedule_impact_days = forms.IntegerField(label="Schedule impact (days)", initial=0, min_value=-3650,
                                              max_value=3650, help_text="Days added to the end date.")


class ChangeOrderDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")], widget=forms.RadioSelect)
    note = forms.CharField(label="Basis of the decision", widget=forms.Textarea(attrs={"rows": 3}))


class KpiForm(forms.ModelForm):
    class Meta:
        model = Kpi
        fields = ["name", "unit", "direction", "threshold", "frequency", "source", "source_exception_reason",
                  "clause"]

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause"].queryset = contract.clauses.all()


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(widget=DATE)
    value = forms.DecimalField(max_digits=14, decimal_places=4)
    note = forms.CharField(max_length=300, required=False)


class MeasurementImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Columns: kpi, measured_on (YYYY-MM-DD), value, note. "
                                                       "Nothing is saved if any row is wrong.")


class CheckInForm(forms.Form):
    held_on = forms.DateField(widget=DATE)

    def __init__(self, *args, team: str, contract=None, **kwargs):
        super().__init__(*args, **kwargs)
        # the questions of the check-in template the contract was opened under (issue 21)
        asked = checkins.questions_for(contract, team) if contract is not None else checkins.questions(team)
        for key, topic, text in asked:
            self.fields[f"answer_{key}"] = forms.CharField(label=text, help_text=f"Topic: {topic}",
                                                           widget=forms.Textarea(attrs={"rows": 2}), required=False)
        self.fields["actions"] = forms.CharField(label="Actions agreed", required=False,
                                                 widget=forms.Textarea(attrs={"rows": 3}),
                                                 help_text="One action per line, with its owner and date.")

    def answers(self) -> dict[str, str]:
        return {name.removeprefix("answer_"): value for name, value in self.cleaned_data.items()
                if name.startswith("answer_")}


class CheckInTeamForm(forms.Form):
    team = forms.ChoiceField(choices=CheckIn.Team.choices)


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(choices=Incident.Kind.choices)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    occurred_at = forms.DateTimeField(label="Occurred at", widget=DATETIME, input_formats=DATETIME_FORMATS)
    detected_at = forms.DateTimeField(label="Detected at", widget=DATETIME, input_formats=DATETIME_FORMATS,
                                      help_text="When the vendor (or we) became aware of it.")
    notified_at = forms.DateTimeField(label="Vendor notified us at", widget=DATETIME, required=False,
                                      input_formats=DATETIME_FORMATS, help_text="Leave empty if not yet.")
    clauses = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    scenarios = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clauses"].queryset = contract.clauses.all()
        self.fields["scenarios"].queryset = contract.scenarios.all()


class NotifiedForm(forms.Form):
    notified_at = forms.DateTimeField(label="Vendor notified us at", widget=DATETIME, input_formats=DATETIME_FORMATS)


class ExitStepForm(forms.Form):
    owner = PersonField(required=False)
    due_date = forms.DateField(widget=DATE, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    done_on = forms.DateField(label="Done on", widget=DATE, required=False)


class ExitRunbookForm(forms.Form):
    """The exit runbook, written before activation: the four written parts, then an owner and a timing for each
    step (one pair of fields per step, named after the step's key)."""

    data_return_method = forms.CharField(label="Data-return method", widget=forms.Textarea(attrs={"rows": 3}),
                                         help_text="How our data comes back: formats, channel, who checks it is "
                                                   "complete.")
    deletion_evidence = forms.CharField(label="Deletion evidence expected", widget=forms.Textarea(attrs={"rows": 3}),
                                        help_text="The proof of deletion we will accept (systems, backups, "
                                                  "subprocessors).")
    model_portability = forms.CharField(label="Model portability", widget=forms.Textarea(attrs={"rows": 3}),
                                        help_text="Prompts, adapters or fine-tuned weights, evaluation sets, "
                                                  "configurations we take with us.")
    data_portability = forms.CharField(label="Data portability", widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text="Formats and schemas of our data, embeddings and logs for a "
                                                 "successor.")

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = list(steps)
        for key, label, default_days in self.steps:
            self.fields[f"owner_{key}"] = PersonField(label=f"Owner: {label}")
            self.fields[f"days_{key}"] = forms.IntegerField(
                label=f"Due (days after the exit starts): {label}", min_value=0, max_value=730, required=False,
                help_text=f"Leave empty for {default_days} days.")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"data_return_method": data["data_return_method"], "deletion_evidence": data["deletion_evidence"],
                "model_portability": data["model_portability"], "data_portability": data["data_portability"],
                "step_owners": {key: data.get(f"owner_{key}") for key, _l, _d in self.steps},
                "step_days": {key: data.get(f"days_{key}") for key, _l, _d in self.steps}}
