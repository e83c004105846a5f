"""Invoices received under a contract: received → approved → paid, with the days taken to pay."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from contracts.models.contract import Contract
from contracts.models.planning import Milestone
from procurement.models import TimeStampedModel


class InvoiceStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    DISPUTED = "disputed", "Disputed"  # issue 21: the contract manager disputes it with a reason
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"


class Invoice(TimeStampedModel):
    Status = InvoiceStatus

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField("invoice number", max_length=60)
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices",
                                  help_text="The milestone this invoice bills, for milestone-based schedules.")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    received_on = models.DateField()
    period_start = models.DateField("billing period from", null=True, blank=True)
    period_end = models.DateField("billing period to", null=True, blank=True)
    status = models.CharField(max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.RECEIVED,
                              editable=False)
    approved_on = models.DateField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    paid_on = models.DateField(null=True, blank=True, editable=False)
    dispute_reason = models.TextField(blank=True, default="", editable=False,
                                      help_text="Why the invoice is disputed (issue 21); kept when it is resolved.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="unique_invoice_number")]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    def clean(self):
        errors = {}
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = "The amount must be more than zero."
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = "The period cannot end before it starts."
        if self.milestone_id and self.contract_id and self.milestone.contract_id != self.contract_id:
            errors["milestone"] = "Choose a milestone of this contract."
        if errors:
            raise ValidationError(errors)

    def due_on(self, terms_days: int):
        return self.received_on + timedelta(days=terms_days)

    def days_to_pay(self) -> int | None:
        return (self.paid_on - self.received_on).days if self.paid_on else None

    def is_late_on(self, on, terms_days: int) -> bool:
        """Paid after the due date, or still unpaid once the due date has passed."""
        due = self.due_on(terms_days)
        return (self.paid_on or on) > due
