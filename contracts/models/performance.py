"""KPIs and SLAs tracked on a contract, and their measurements."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from contracts.models.clauses import ClausePosition
from contracts.models.contract import Contract
from procurement.models import TimeStampedModel


class Direction(models.TextChoices):
    AT_LEAST = "at_least", "At least"
    AT_MOST = "at_most", "At most"


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class MeasurementSource(models.TextChoices):
    OWN = "own", "Our own instrumentation"
    VENDOR = "vendor", "Vendor's report (exception)"


def breaches(direction: str, threshold: Decimal, value: Decimal) -> bool:
    return value < threshold if direction == Direction.AT_LEAST else value > threshold


class Kpi(TimeStampedModel):
    Direction = Direction
    Frequency = Frequency
    Source = MeasurementSource

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField("KPI", max_length=120)
    unit = models.CharField(max_length=20, blank=True, help_text="For example: %, ms, hours.")
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.AT_LEAST)
    threshold = models.DecimalField(max_digits=14, decimal_places=4)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    source = models.CharField("measurement source", max_length=8, choices=MeasurementSource.choices,
                              default=MeasurementSource.OWN)
    source_exception_reason = models.TextField(
        "why we rely on the vendor's report", blank=True,
        help_text="Needed only when the measurement comes from the vendor rather than our own instrumentation.")
    clause = models.ForeignKey(ClausePosition, on_delete=models.SET_NULL, null=True, blank=True, related_name="kpis",
                               help_text="The clause that carries this commitment.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "KPI"
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="unique_kpi_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.source == MeasurementSource.VENDOR and not (self.source_exception_reason or "").strip():
            errors["source_exception_reason"] = ("We measure with our own instrumentation; relying on the vendor's "
                                                 "report is an exception that needs a reason.")
        if self.source == MeasurementSource.OWN:
            self.source_exception_reason = ""
        if self.clause_id and self.contract_id and self.clause.contract_id != self.contract_id:
            errors["clause"] = "Choose a clause of this contract."
        if errors:
            raise ValidationError(errors)

    @property
    def target_text(self) -> str:
        return f"{self.get_direction_display().lower()} {self.threshold.normalize():f}{self.unit and ' ' + self.unit}"

    def breached_by(self, value: Decimal) -> bool:
        return breaches(self.direction, self.threshold, value)


class KpiMeasurement(TimeStampedModel):
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4)
    note = models.CharField(max_length=300, blank=True)
    breach = models.BooleanField(default=False, editable=False,
                                 help_text="The value missed the threshold in force when it was recorded.")
    threshold = models.DecimalField(max_digits=14, decimal_places=4, editable=False,
                                    help_text="The threshold in force when the value was recorded.")
    imported = models.BooleanField(default=False, editable=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["measured_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["kpi", "measured_on"], name="unique_kpi_measurement_day")]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value} on {self.measured_on}"
