"""Evaluators assigned to a procedure and their conflict-of-interest declarations per bid."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from awards.models.procedure import AwardProcedure
from procurement.models import TimeStampedModel


class EvaluatorAssignment(TimeStampedModel):
    procedure = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="evaluator_assignments")
    # Free for now; the scorecard may later point assignments at criterion groups.
    criterion_groups = models.CharField(max_length=200, blank=True,
                                        help_text="Optional: which parts of the scorecard this evaluator scores.")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure", "evaluator__last_name", "evaluator__first_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["procedure", "evaluator"],
                                               name="unique_evaluator_per_procedure")]

    def __str__(self) -> str:
        return f"{self.evaluator} on {self.procedure.reference}"


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
    history = HistoricalRecords()

    # Reviews under which the evaluator may open the bid.
    MAY_OPEN = (Review.NOT_NEEDED, Review.ACCEPTED)

    class Meta:
        ordering = ["assignment", "bid", "pk"]
        constraints = [models.UniqueConstraint(fields=["assignment", "bid"], name="unique_declaration_per_bid")]

    def __str__(self) -> str:
        return f"{self.assignment.evaluator} / {self.bid.vendor}: {self.get_review_display()}"

    @property
    def may_open(self) -> bool:
        return self.review in self.MAY_OPEN
