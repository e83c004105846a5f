"""Abstract bases shared by the apps, and the kernel's own small models."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
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
    """The last time each Celery worker host reported in (beat schedules it every minute).

    Operational telemetry, not a record anyone acts on: it keeps no history. With history it wrote ~1,440
    history rows and audit seals a day per worker, burying the auditor's log; migration 0003 dropped that
    history table (see there for what happened to its seals)."""

    hostname = models.CharField(max_length=255, unique=True)
    pid = models.PositiveIntegerField()
    seen_at = models.DateTimeField()

    # Why this kernel model has no HistoricalRecords (procurement.audit.history.baton_models skips it).
    audit_exempt_reason = "operational telemetry rewritten every minute; not an audited record"

    def __str__(self) -> str:
        return f"{self.hostname} (pid {self.pid})"


class ExchangeRate(models.Model):
    """What one unit of a currency is worth in the base currency (setting BATON_BASE_CURRENCY), from a day on.

    A rate applies from `valid_from` until the next rate of the same currency takes over (procurement.money).
    Rows are only ever added, through procurement.exchange_rates.exchange_rate_record: a wrong rate is corrected
    by recording a new one from a later day, with the reason in its history, so every figure already computed
    with the old rate (and frozen in a memo or an approval route) can still be traced to the row it came from.
    """

    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. USD.")
    rate = models.DecimalField(max_digits=20, decimal_places=10,
                               help_text="Base-currency units for one unit of this currency.")
    valid_from = models.DateField(help_text="The first day this rate applies.")
    source = models.CharField(max_length=200, help_text="Where the rate comes from, e.g. a central bank fixing.")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["currency", "valid_from"], name="one_rate_per_currency_and_day")]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate.normalize():f} from {self.valid_from.isoformat()}"

    def clean(self):
        super().clean()
        errors = {}
        if self.currency:
            self.currency = self.currency.strip().upper()
            if not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isascii()):
                errors["currency"] = "Use a three-letter currency code such as USD."
        if self.rate is not None and self.rate <= 0:
            errors["rate"] = "A rate is a positive number: how many base-currency units one unit is worth."
        if errors:
            raise ValidationError(errors)


class PolicyVersion(models.Model):
    """One version of one policy table (issue 21): the whole table as it stood after a change, who changed it
    and why. Versions are only ever added (procurement.policy_tables); what started under a version keeps it.

    `table` is the key an app declares in `Contributions.policy_tables` (e.g. "approval_matrix"). Version 1 is
    the table as shipped (or as it stood when versioning began): it is read from the live table, never stored by a
    read, and stored just before the first change.
    """

    table = models.SlugField(max_length=40)
    number = models.PositiveIntegerField()
    snapshot = models.JSONField(help_text="The whole table at this version, as plain JSON.")
    sha256 = models.CharField(max_length=64, editable=False)
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", help_text="Empty for the shipped version.")
    changed_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["table", "-number"]
        constraints = [models.UniqueConstraint(fields=["table", "number"], name="one_policy_version_number")]

    def __str__(self) -> str:
        return f"{self.table} v{self.number}"
