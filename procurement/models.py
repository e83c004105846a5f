"""Abstract bases shared by the apps, and the kernel's own small models."""

from django.db import models
from simple_history.models import HistoricalRecords


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ReferenceSequence(models.Model):
    """The last number handed out per prefix and year, e.g. AP-2026 → 7 gives AP-2026-0007.

    Numbers are taken under a row lock (see procurement.references), so two requests never get the same one.
    """

    prefix = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="unique_reference_sequence")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker host reported in (beat schedules it every minute)."""

    hostname = models.CharField(max_length=255, unique=True)
    pid = models.PositiveIntegerField()
    seen_at = models.DateTimeField()
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.hostname} (pid {self.pid})"
