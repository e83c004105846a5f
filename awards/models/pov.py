"""The demo / proof-of-value protocol of a bid: our own success criteria, locked and hashed before the demo."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from procurement.models import TimeStampedModel


class PovProtocol(TimeStampedModel):
    bid = models.OneToOneField(Bid, on_delete=models.CASCADE, related_name="pov")
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False,
                                    help_text="sha256 of the canonical JSON of the criteria at lock time.")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"POV protocol of {self.bid}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class PovCriterion(TimeStampedModel):
    class Comparator(models.TextChoices):
        AT_LEAST = "gte", "≥ (at least)"
        AT_MOST = "lte", "≤ (at most)"

    protocol = models.ForeignKey(PovProtocol, on_delete=models.CASCADE, related_name="criteria")
    metric = models.CharField(max_length=200, help_text="e.g. Answer accuracy on our 200 support tickets")
    comparator = models.CharField(max_length=3, choices=Comparator.choices)
    threshold = models.DecimalField(max_digits=14, decimal_places=4)
    unit = models.CharField(max_length=40, help_text="e.g. %, s, EUR per 1,000 requests")
    test_set = models.TextField("test set", help_text="What the vendor's system is tested on, and how.")
    result_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True, editable=False)
    result_note = models.TextField(blank=True, editable=False)
    result_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", editable=False)
    result_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["protocol", "pk"]

    def __str__(self) -> str:
        return f"{self.metric} {self.comparator_symbol} {self.threshold_display} {self.unit}"

    @property
    def comparator_symbol(self) -> str:
        return "≥" if self.comparator == self.Comparator.AT_LEAST else "≤"

    @property
    def threshold_display(self) -> str:
        return _plain(self.threshold)

    @property
    def result_display(self) -> str:
        return "" if self.result_value is None else _plain(self.result_value)

    @property
    def met(self) -> bool | None:
        if self.result_value is None:
            return None
        if self.comparator == self.Comparator.AT_LEAST:
            return self.result_value >= self.threshold
        return self.result_value <= self.threshold


def _plain(value: Decimal) -> str:
    """4.5000 -> "4.5", 85.0000 -> "85" (for display and for the canonical hash)."""
    text = format(Decimal(value).normalize(), "f")
    return text
