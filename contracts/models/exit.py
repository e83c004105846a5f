"""The exit runbook of a contract, and vendor incidents."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from contracts.models.clauses import ClausePosition
from contracts.models.contract import Contract
from contracts.models.planning import Scenario
from procurement.models import TimeStampedModel


class ExitStep(TimeStampedModel):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="exit_steps")
    key = models.SlugField(max_length=40, editable=False)
    label = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    due_date = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True, editable=False)
    note = models.TextField(blank=True, help_text="What was done, e.g. the deletion certificate reference.")
    waived_reason = models.TextField(blank=True, editable=False)
    order = models.PositiveSmallIntegerField(default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["contract", "key"], name="unique_exit_step")]

    def __str__(self) -> str:
        return self.label

    @property
    def settled(self) -> bool:
        return self.done_on is not None or bool(self.waived_reason.strip())


class Incident(TimeStampedModel):
    class Kind(models.TextChoices):
        SECURITY = "security", "Security"
        OUTAGE = "outage", "Outage"
        MODEL_BEHAVIOUR = "model_behaviour", "Model behaviour"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    occurred_at = models.DateTimeField(help_text="When the incident started.")
    detected_at = models.DateTimeField(help_text="When the vendor (or we) became aware of it.")
    notified_at = models.DateTimeField("vendor notified us at", null=True, blank=True,
                                       help_text="Leave empty while the vendor has not told us.")
    notice_hours = models.PositiveIntegerField("contracted notification time (hours)", editable=False)
    clauses = models.ManyToManyField(ClausePosition, blank=True, related_name="incidents")
    scenarios = models.ManyToManyField(Scenario, blank=True, related_name="incidents")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    history = HistoricalRecords(m2m_fields=[clauses, scenarios])

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.occurred_at and self.detected_at and self.detected_at < self.occurred_at:
            errors["detected_at"] = "It cannot be detected before it occurred."
        if self.notified_at and self.detected_at and self.notified_at < self.occurred_at:
            errors["notified_at"] = "The notification cannot come before the incident occurred."
        if errors:
            raise ValidationError(errors)

    def notify_deadline(self):
        from datetime import timedelta

        return self.detected_at + timedelta(hours=self.notice_hours)

    def notified_late(self, now) -> bool:
        """Notified after the contracted time, or not yet notified with the time already passed."""
        return (self.notified_at or now) > self.notify_deadline()
