"""Change orders: a proposed change of scope, price, model or regulation, decided by the RACI's Accountable."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from contracts.models.contract import Contract
from procurement.models import TimeStampedModel


class ChangeOrder(TimeStampedModel):
    class Reason(models.TextChoices):
        MODEL_VERSION = "model_version", "New model version"
        SCOPE = "scope", "Scope change"
        PRICE = "price", "Price change"
        REGULATORY = "regulatory", "Regulatory change"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="change_orders")
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    description = models.TextField(help_text="What changes and why.")
    cost_impact = models.DecimalField(max_digits=14, decimal_places=2, default=0,
                                      help_text="Change to the contract value; negative for a saving.")
    schedule_impact_days = models.IntegerField("schedule impact (days)", default=0,
                                               help_text="Days added to the end date; negative to shorten it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED, editable=False)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="unique_change_order_number")]

    def __str__(self) -> str:
        return f"CO-{self.number} {self.title}"

    def clean(self):
        if self.cost_impact is not None and abs(self.cost_impact) >= 10 ** 12:
            raise ValidationError({"cost_impact": "That amount is out of range."})
