"""The award decision memo, its frozen versions, the alternatives it weighs, and the debriefs that follow.

A memo belongs to one procedure. The lead edits it in DRAFT; submitting freezes a MemoVersion (every memo field
plus the scoring snapshot, and their sha256) and opens an approval route. Approved memos are immutable: the
model, its queryset and the admin refuse any change.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from awards.models.procedure import AwardProcedure
from procurement.exceptions import DomainError
from procurement.models import TimeStampedModel


class MemoImmutable(DomainError):
    """An approved memo (or a frozen version) cannot change."""


class MemoEditConflict(DomainError):
    """Someone else saved the memo after this edit was started; saving would silently overwrite their change."""

    def __init__(self, message: str, *, current_revision: int):
        super().__init__(message)
        self.current_revision = current_revision


class MemoStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_APPROVAL = "in_approval", "In approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class DecisionMemoQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(status=MemoStatus.APPROVED).exists():
            raise MemoImmutable("An approved decision memo cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=MemoStatus.APPROVED).exists():
            raise MemoImmutable("An approved decision memo cannot be deleted.")
        return super().delete()


class DecisionMemo(TimeStampedModel):
    Status = MemoStatus

    procedure = models.OneToOneField(AwardProcedure, on_delete=models.PROTECT, related_name="memo")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               editable=False)
    status = models.CharField(max_length=12, choices=MemoStatus.choices, default=MemoStatus.DRAFT, editable=False)
    version = models.PositiveSmallIntegerField(default=0, editable=False,
                                               help_text="Number of the latest submitted version (0: never submitted).")
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    revision = models.PositiveIntegerField(
        default=0, editable=False,
        help_text="Counts the saved edits; an edit form carries the revision it was read at, and a save made "
                  "from an older revision is refused as a conflict instead of overwriting someone's change.")
    # The decision
    title = models.CharField(max_length=200)
    decision_date = models.DateField(help_text="Due diligence and evidence are judged as of this date.")
    contract_value = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)],
                                         help_text="Expected total contract value; it selects the approval route.")
    recommended_bid = models.ForeignKey(Bid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recommendation = models.TextField(blank=True, help_text="Why this bid. Markdown.")
    ranking_justification = models.TextField(
        blank=True, help_text="Required when the recommended bid is not ranked first. Markdown.")
    # Alternatives beyond the other bids (which are MemoAlternative rows)
    do_nothing = models.TextField("do nothing", blank=True,
                                  help_text="Why not to leave things as they are (when relevant). Markdown.")
    build_in_house = models.TextField("build in house", blank=True,
                                      help_text="Why not to build it ourselves (when relevant). Markdown.")
    # Residual risks from the recommended vendor's register
    residual_risks = models.ManyToManyField("vendors.Risk", blank=True, related_name="+")
    risk_notes = models.TextField(blank=True, help_text="How the residual risks are handled. Markdown.")
    # Negotiation strategy
    negotiation_objectives = models.TextField(blank=True, help_text="Markdown.")
    key_asks = models.TextField(blank=True, help_text="Markdown.")
    key_clauses = models.TextField(blank=True, help_text="Clauses that matter for this vendor's tier. Markdown.")
    walk_away = models.TextField("walk-away points", blank=True, help_text="Markdown.")
    batna_notes = models.TextField("alternative to a negotiated agreement", blank=True,
                                   help_text="How the runner-up serves as our fallback. Markdown.")
    # Outcome
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    standstill_ends_on = models.DateField(null=True, blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[residual_risks])

    objects = DecisionMemoQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Decision memo {self.procedure.reference}"

    @property
    def reference(self) -> str:
        return self.procedure.reference

    @property
    def is_approved(self) -> bool:
        return self.status == MemoStatus.APPROVED

    @property
    def recommended_vendor(self):
        return self.recommended_bid.vendor if self.recommended_bid_id else None

    @property
    def approved_version(self) -> "MemoVersion | None":
        """The frozen version the committees approved (content, scoring snapshot, hash), or None."""
        if not self.is_approved:
            return None
        return self.versions.filter(number=self.version).first()

    def get_absolute_url(self) -> str:
        return reverse("awards:memo_detail", args=[self.procedure.reference])

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == MemoStatus.APPROVED:
                raise MemoImmutable("An approved decision memo cannot be changed.")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == MemoStatus.APPROVED:
            raise MemoImmutable("An approved decision memo cannot be deleted.")
        return super().delete(*args, **kwargs)


class MemoAlternative(TimeStampedModel):
    """Another bid the memo considered, and why it was not chosen."""

    memo = models.ForeignKey(DecisionMemo, on_delete=models.CASCADE, related_name="alternatives")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True, help_text="Markdown.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["memo", "bid__vendor__legal_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["memo", "bid"], name="one_alternative_per_bid")]

    def __str__(self) -> str:
        return f"{self.bid.vendor} (alternative)"


class MemoVersion(models.Model):
    """What was submitted: every memo field and the scoring summary, frozen, with their sha256."""

    memo = models.ForeignKey(DecisionMemo, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    content = models.JSONField(help_text="Every memo field as submitted (canonical form).")
    scoring_snapshot = models.JSONField(help_text="The scoring summary frozen at submission.")
    content_hash = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["memo", "-number"]
        constraints = [models.UniqueConstraint(fields=["memo", "number"], name="unique_memo_version")]

    def __str__(self) -> str:
        return f"{self.memo.procedure.reference} memo v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise MemoImmutable("A submitted memo version is frozen; submit a new version instead.")
        return super().save(*args, **kwargs)


class Debrief(TimeStampedModel):
    """A debrief for one unsuccessful bidder: its own scores by criterion group next to the winning bid's."""

    memo = models.ForeignKey(DecisionMemo, on_delete=models.PROTECT, related_name="debriefs")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="debrief")
    held_on = models.DateField("debrief date", null=True, blank=True)
    attendees = models.TextField(blank=True, help_text="Who attended, one per line.")
    strengths = models.TextField(blank=True, help_text="Markdown.")
    weaknesses = models.TextField(blank=True, help_text="Markdown.")
    advice = models.TextField(blank=True, help_text="Advice for future bids. Markdown.")
    own_total = models.FloatField(null=True, blank=True, editable=False)
    winning_total = models.FloatField(null=True, blank=True, editable=False)
    groups = models.JSONField(default=list, editable=False,
                              help_text="Own and winning points per criterion group, from the frozen snapshot.")
    exclusion_reason = models.TextField(blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["memo", "bid__vendor__legal_name"]

    def __str__(self) -> str:
        return f"Debrief {self.bid.vendor} — {self.memo.procedure.reference}"

    def get_absolute_url(self) -> str:
        return reverse("awards:debrief_edit", args=[self.memo.procedure.reference, self.pk])
