"""Price (issue 20): the volume assumptions the lead sets for a procedure, and a bid's price schedule lines.

A price schedule is what a bidder quotes, in the bid's currency (Bid.price_currency):
- one-off lines: an amount paid once (onboarding, set-up);
- recurring lines: an amount per month or per year, paid over the procedure's term;
- usage lines: a unit price times a volume assumption of the lead's (e.g. "million input tokens per month"),
  paid monthly over the term.

Through the portal a schedule is sealed until the opening (awards.models.sealed); these rows exist only once it is
opened (or when the lead records a bid received outside Baton). The total cost over the term, in the bid's
currency and in the base currency at the dated rate, is computed by awards.pricing, never stored.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from awards.models.procedure import AwardProcedure
from procurement.models import TimeStampedModel


class VolumeAssumption(TimeStampedModel):
    """A usage volume per month the lead assumes for every bid (so usage prices compare on the same basis)."""

    procedure = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE, related_name="volume_assumptions")
    key = models.SlugField(max_length=40, help_text="Short code bidders' usage lines refer to.")
    label = models.CharField(max_length=200, help_text="What is counted, e.g. “Input tokens”.")
    unit = models.CharField(max_length=60, help_text="The unit a bidder prices, e.g. “million tokens”.")
    monthly_volume = models.DecimalField(max_digits=16, decimal_places=4, validators=[MinValueValidator(0)],
                                         help_text="Units per month assumed over the whole term.")
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["procedure", "key"], name="unique_volume_assumption_key")]

    def __str__(self) -> str:
        return f"{self.label} ({self.monthly_volume} {self.unit}/month)"


class PriceLine(TimeStampedModel):
    class Kind(models.TextChoices):
        ONE_OFF = "one_off", "One-off"
        RECURRING = "recurring", "Recurring"
        USAGE = "usage", "Usage-based"

    class Period(models.TextChoices):
        NONE = "", "—"
        MONTH = "month", "per month"
        YEAR = "year", "per year"

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="price_lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    label = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=16, decimal_places=4, validators=[MinValueValidator(Decimal("0"))],
                                 help_text="One-off: the amount. Recurring: the amount per period. Usage: the "
                                           "price per unit.")
    period = models.CharField(max_length=5, choices=Period.choices, blank=True)
    assumption = models.ForeignKey(VolumeAssumption, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="price_lines")
    position = models.PositiveSmallIntegerField(default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_kind_display()})"
