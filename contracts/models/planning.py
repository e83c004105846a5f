"""Scenarios, the RACI matrix, the issue log, milestones, the transition checklist and pack receipts."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from contracts.models.clauses import ClausePosition
from contracts.models.contract import Contract, TeamRole
from procurement.models import TimeStampedModel

LEVELS = [(n, str(n)) for n in range(1, 6)]


class Scenario(TimeStampedModel):
    class Kind(models.TextChoices):
        DELIVERY_DELAY = "delivery_delay", "Delivery delay"
        SCOPE_CHANGE = "scope_change", "Scope change"
        MODEL_CHANGE = "model_change", "Model deprecation or swap"
        PRICE_INCREASE = "price_increase", "Price increase"
        SECURITY_INCIDENT = "security_incident", "Security incident"
        INSOLVENCY = "insolvency", "Vendor insolvency"
        REGULATORY_CHANGE = "regulatory_change", "Regulatory change"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="scenarios")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(choices=LEVELS, default=3)
    impact = models.PositiveSmallIntegerField(choices=LEVELS, default=3)
    contingency = models.TextField("contingency terms needed", blank=True)
    clauses = models.ManyToManyField(ClausePosition, blank=True, related_name="scenarios")
    history = HistoricalRecords(m2m_fields=[clauses])

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def lacks_contingency(self) -> bool:
        return not self.contingency.strip()


class RaciActivity(TimeStampedModel):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="raci_activities")
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name_plural = "RACI activities"
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="unique_raci_activity")]

    def __str__(self) -> str:
        return self.name


class RaciCode(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


RACI_PARTIES = TeamRole.choices + [("vendor", "Vendor")]


class RaciAssignment(TimeStampedModel):
    """One cell of the matrix: a party (a team seat, or the vendor) and its letter for an activity."""

    activity = models.ForeignKey(RaciActivity, on_delete=models.CASCADE, related_name="assignments")
    party = models.CharField(max_length=24, choices=RACI_PARTIES)
    code = models.CharField(max_length=1, choices=RaciCode.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["activity", "party"]
        constraints = [models.UniqueConstraint(fields=["activity", "party"], name="unique_raci_cell")]

    def __str__(self) -> str:
        return f"{self.activity}: {self.get_party_display()} = {self.code}"


class NegotiationIssue(TimeStampedModel):
    class Priority(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="issues")
    title = models.CharField("issue", max_length=200)
    description = models.TextField(blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    resolution = models.TextField(blank=True, editable=False)
    conceded = models.TextField("what we conceded", blank=True, editable=False)
    in_return = models.TextField("what we got in return", blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "priority", "pk"]

    def __str__(self) -> str:
        return self.title


class MilestoneStatus(models.TextChoices):
    """Stored states. "Late" is not stored: a milestone still planned after its due date is late (derived from
    the date on every read, so it can never be out of step with the calendar and needs no nightly job)."""

    PLANNED = "planned", "Planned"
    DELIVERED = "delivered", "Delivered"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


LATE = "late"


class Milestone(TimeStampedModel):
    Status = MilestoneStatus

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_date = models.DateField()
    payment_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True,
                                         help_text="Payment due at this milestone, if any.")
    acceptance_criteria = models.TextField(blank=True, help_text="What the deliverable must do to be accepted.")
    test_method = models.TextField("how it is tested", blank=True,
                                   help_text="The test we run on the deliverable, on what data, in which setting.")
    tester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name="tested by")
    status = models.CharField(max_length=12, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED,
                              editable=False)
    delivered_on = models.DateField(null=True, blank=True, editable=False)
    decided_on = models.DateField("accepted or rejected on", null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False)
    evidence_note = models.TextField("acceptance evidence", blank=True, editable=False)
    evidence_file = models.FileField(max_length=300, blank=True, editable=False)
    evidence_name = models.CharField(max_length=255, blank=True, editable=False)
    evidence_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    evidence_size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    evidence_content_type = models.CharField(max_length=120, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.title

    def state_on(self, on) -> str:
        """The stored status, or "late" when nothing was delivered by the due date."""
        if self.status == MilestoneStatus.PLANNED and self.due_date < on:
            return LATE
        return self.status

    def state_label_on(self, on) -> str:
        state = self.state_on(on)
        return "Late" if state == LATE else MilestoneStatus(state).label


class ChecklistItem(TimeStampedModel):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="checklist")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    done_on = models.DateField(null=True, blank=True, editable=False)
    waived_reason = models.TextField(blank=True, editable=False)
    order = models.PositiveSmallIntegerField(default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["contract", "key"], name="unique_checklist_item")]

    def __str__(self) -> str:
        return self.label

    @property
    def settled(self) -> bool:
        return self.done_on is not None or bool(self.waived_reason.strip())


class PackAcknowledgement(TimeStampedModel):
    """The post-award manager confirmed receipt of one version of the handoff pack."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="pack_receipts")
    document = models.ForeignKey("documents.RenderedDocument", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["document", "acknowledged_by"], name="unique_pack_receipt")]

    def __str__(self) -> str:
        return f"{self.contract.reference} pack v{self.version} acknowledged"
