"""Evaluators assigned to a procedure and their conflict-of-interest declarations per bid."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from awards.models.procedure import AwardProcedure
from procurement.models import TimeStampedModel


class CurrentAssignments(models.Manager):
    """The default reading: evaluators assigned now (an unassigned row stays, for the record, in `all_objects`)."""

    def get_queryset(self):
        return super().get_queryset().filter(unassigned_at__isnull=True)


class DeclarationsInForce(models.Manager):
    """The default reading: the declaration in force per evaluator and bid (superseded ones in `all_objects`)."""

    def get_queryset(self):
        return super().get_queryset().filter(superseded_at__isnull=True)


class EvaluatorAssignment(TimeStampedModel):
    """An evaluator on a procedure. `objects` (and `procedure.assignments`, and every subquery built on them) reads
    the current assignments only; `all_objects` reads unassigned rows too (the decision record, reassignment)."""

    procedure = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="evaluator_assignments")
    # issue 21: the criterion groups this evaluator scores, chosen from the scorecard; none chosen: every group.
    groups = models.ManyToManyField("awards.CriterionGroup", blank=True, related_name="assignments",
                                    help_text="The criterion groups this evaluator scores; none: all of them.")
    # issue 21: unassigning keeps the row (and every submitted sheet) with the reason; unsubmitted work goes.
    unassigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    unassigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", editable=False)
    unassign_reason = models.TextField(blank=True, default="", editable=False)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    history = HistoricalRecords(m2m_fields=[groups])
    objects = CurrentAssignments()
    all_objects = models.Manager()

    class Meta:
        ordering = ["procedure", "evaluator__last_name", "evaluator__first_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["procedure", "evaluator"],
                                               name="unique_evaluator_per_procedure")]

    def __str__(self) -> str:
        return f"{self.evaluator} on {self.procedure.reference}"

    @property
    def group_label(self) -> str:
        """The criterion groups this evaluator scores, by name ("" for all); prefetch `groups` in lists."""
        return ", ".join(group.name for group in self.groups.all())

    @property
    def is_current(self) -> bool:
        return self.unassigned_at is None


class ConflictDeclaration(TimeStampedModel):
    """An evaluator's declaration for one bid, made before seeing it, and the lead's review of a conflict."""

    class Review(models.TextChoices):
        NOT_NEEDED = "not_needed", "No conflict"
        PENDING = "pending", "Conflict awaiting review"
        ACCEPTED = "accepted", "Conflict accepted"
        RECUSED = "recused", "Recused"

    assignment = models.ForeignKey(EvaluatorAssignment, on_delete=models.CASCADE, related_name="declarations")
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="declarations")
    has_conflict = models.BooleanField(editable=False)
    description = models.TextField(blank=True, editable=False)
    review = models.CharField(max_length=12, choices=Review.choices, editable=False)
    review_reason = models.TextField(blank=True, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # issue 21: a revision is a new declaration; the one it replaces is kept, marked superseded.
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by", editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()
    objects = DeclarationsInForce()
    all_objects = models.Manager()

    # Reviews under which the evaluator may open the bid.
    MAY_OPEN = (Review.NOT_NEEDED, Review.ACCEPTED)

    class Meta:
        ordering = ["assignment", "bid", "pk"]
        # One declaration in force per evaluator and bid; superseded ones stay beside it.
        constraints = [models.UniqueConstraint(fields=["assignment", "bid"], condition=Q(superseded_at__isnull=True),
                                               name="unique_declaration_per_bid")]

    def __str__(self) -> str:
        return f"{self.assignment.evaluator} / {self.bid.vendor}: {self.get_review_display()}"

    @property
    def may_open(self) -> bool:
        return self.review in self.MAY_OPEN

    @property
    def in_force(self) -> bool:
        return self.superseded_at is None
