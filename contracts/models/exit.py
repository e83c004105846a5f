"""The exit runbook of a contract (written before the contract goes live, carried out when the exit starts), and
vendor incidents."""

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
    due_date = models.DateField(null=True, blank=True, help_text="Set when the exit starts, from the days below.")
    days_after_start = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many days after the exit starts the step is due (planned in the "
                                         "runbook before activation).")
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


class ExitRunbook(TimeStampedModel):
    """How we would leave this vendor, written while the contract is negotiated and before it goes live: the
    steps (ExitStep rows, each with an owner), how our data comes back, what proof of deletion we expect and
    what of the model and the data we can take to a successor. Activation is refused until it is complete."""

    # (field, what a missing part is called in a refusal)
    PARTS = (
        ("data_return_method", "how our data comes back"),
        ("deletion_evidence", "what proof of deletion we expect"),
        ("model_portability", "what of the model side we take with us"),
        ("data_portability", "in which formats our data moves to a successor"),
    )

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="exit_runbook")
    data_return_method = models.TextField(
        "data-return method", blank=True,
        help_text="How our data comes back at the end: formats, channel, and who checks it is complete.")
    deletion_evidence = models.TextField(
        "deletion evidence expected", blank=True,
        help_text="What proof of deletion we will accept, e.g. a signed certificate naming systems, backups and "
                  "subprocessors.")
    model_portability = models.TextField(
        "model portability", blank=True,
        help_text="What we take with us on the model side: prompts, fine-tuned weights or adapters, evaluation "
                  "sets, configurations.")
    data_portability = models.TextField(
        "data portability", blank=True,
        help_text="Formats and schemas of our data, embeddings and logs, and how a successor loads them.")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Exit runbook of {self.contract.reference}"


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
