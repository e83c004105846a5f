"""The AI clause playbook and each contract's positions on it, with clause-level feedback."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from contracts.models.contract import Contract
from procurement.models import TimeStampedModel


class PlaybookClause(TimeStampedModel):
    """One clause of the playbook library (seeded by a data migration; editable in the admin)."""

    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    purpose = models.TextField(help_text="Why the clause matters for an AI purchase.")
    required_tiers = models.JSONField(default=list, blank=True,
                                      help_text="Vendor tiers for which the contract must carry this clause.")
    target = models.TextField("default target position")
    fallback = models.TextField("default fallback position")
    walk_away = models.TextField("default walk-away position")
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def required_for(self, tier: str) -> bool:
        return tier in (self.required_tiers or [])


class ClauseStatus(models.TextChoices):
    OPEN = "open", "Open"
    PROPOSED = "proposed", "Proposed"
    COUNTERED = "countered", "Countered"
    AGREED = "agreed", "Agreed"
    ESCALATED = "escalated", "Escalated"
    CONCEDED = "conceded", "Conceded"


class ClausePosition(TimeStampedModel):
    Status = ClauseStatus

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses")
    playbook_clause = models.ForeignKey(PlaybookClause, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="positions", editable=False)
    title = models.CharField(max_length=200)
    required = models.BooleanField(default=False, editable=False,
                                   help_text="The vendor's tier requires this clause.")
    target = models.TextField("our target")
    fallback = models.TextField("our fallback")
    walk_away = models.TextField("our walk-away")
    vendor_position = models.TextField("the vendor's current position", blank=True)
    status = models.CharField(max_length=12, choices=ClauseStatus.choices, default=ClauseStatus.OPEN,
                              editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    agreed_summary = models.TextField("agreed wording (summary)", blank=True)
    beyond_walk_away = models.BooleanField(default=False, editable=False,
                                           help_text="Conceded past our walk-away position (escalated).")
    escalation_reason = models.TextField(blank=True, editable=False)
    feedback_override_reason = models.TextField(blank=True, editable=False)
    risk = models.ForeignKey("vendors.Risk", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             editable=False)
    order = models.PositiveSmallIntegerField(default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "playbook_clause"], name="unique_playbook_clause_per_contract",
                                    condition=models.Q(playbook_clause__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def deviates(self) -> bool:
        """Settled on something other than our target (fallback, concession, or a different wording)."""
        return self.status == ClauseStatus.CONCEDED or self.beyond_walk_away or bool(
            self.playbook_clause_id and self.playbook_clause
            and (self.target.strip() != self.playbook_clause.target.strip()
                 or self.walk_away.strip() != self.playbook_clause.walk_away.strip()))


class ClauseFeedback(TimeStampedModel):
    class Topic(models.TextChoices):
        PERFORMANCE = "performance", "Performance metrics"
        REPORTING = "reporting", "Reporting obligations"
        ESCALATION = "escalation", "Escalation procedures"
        FEASIBILITY = "feasibility", "Operational feasibility"
        OTHER = "other", "Other"

    position = models.ForeignKey(ClausePosition, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               editable=False)
    topic = models.CharField(max_length=16, choices=Topic.choices)
    body = models.TextField("feedback")
    response = models.TextField(blank=True, editable=False)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["resolved_at", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_topic_display()}: {self.body[:60]}"

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None
