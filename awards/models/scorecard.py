"""The weighted scorecard of a procedure (issue 5): groups, criteria, knockouts, evaluator scores and the
lead's decisions on them. The arithmetic lives in the pure engine (awards.scoring); these rows are its input.

Weights: each group carries a weight (the groups sum to 100) and each criterion a relative *share* of its
group's weight; the effective criterion weights come from ``scoring.split_group_weights`` and therefore also sum
to exactly 100.

Lock: the scorecard locks when the lead locks it or when the first score is saved, whichever comes first.
After the lock every change needs a reason, is audit-trailed, and resets the scores it affects.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from awards.models.procedure import AwardProcedure, Requirement
from procurement.models import TimeStampedModel

MAX_SCALE = 10


def new_seed() -> int:
    return secrets.randbelow(2**31 - 1)


class ScorecardTemplate(TimeStampedModel):
    """A reusable starting point. ``definition`` is JSON: {"scale", "groups": [{"key", "name", "weight",
    "criteria": [{"key", "name", "description", "guidance", "share"}]}], "knockouts": [{"key", "name",
    "description", "kind", "standards", "horizon_months"}]}."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    definition = models.JSONField()
    # issue 21: templates are versioned. Changing one raises `version` (the history keeps every earlier
    # definition); a scorecard records the version it was built from. Retired templates are kept, not deleted.
    version = models.PositiveIntegerField(default=1, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PriceFormula(models.TextChoices):
    NONE = "", "No price criterion"
    LOWEST_RATIO = "lowest_ratio", "Lowest price ÷ bid price × scale"
    LINEAR = "linear", "Linear from the lowest price (full marks) to the ceiling (0)"


class Scorecard(TimeStampedModel):
    procedure = models.OneToOneField(AwardProcedure, on_delete=models.CASCADE, related_name="scorecard")
    scale = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(MAX_SCALE)],
        help_text="Scores run from 0 to this number.")
    template_name = models.CharField(max_length=200, blank=True, editable=False)
    template_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", editable=False)
    lock_reason = models.CharField(max_length=200, blank=True, editable=False)
    # Price (issue 20): the criterion marked `price_scored` gets its score from the bids' total cost over the
    # term in the base currency (awards.pricing), by this formula; evaluators do not score it.
    price_formula = models.CharField(max_length=16, choices=PriceFormula.choices, default=PriceFormula.NONE,
                                     blank=True)
    price_ceiling = models.DecimalField(
        "price ceiling", max_digits=16, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
        help_text="Linear formula only: a total cost (base currency) at or above which the price scores 0.")
    mc_seed = models.PositiveIntegerField("Monte Carlo seed", default=new_seed, editable=False,
                                         help_text="Stored so the win probabilities can be reproduced.")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Scorecard of {self.procedure.reference}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class CriterionGroup(TimeStampedModel):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="groups")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    weight = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(0)],
                                 help_text="Points out of 100 carried by this group.")
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scorecard", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "key"], name="unique_group_key")]

    def __str__(self) -> str:
        return self.name


class Criterion(TimeStampedModel):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    group = models.ForeignKey(CriterionGroup, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(max_length=40, help_text="Short code used in exports and imports.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guidance = models.TextField(blank=True, help_text="What each score level means, one line per level.")
    share = models.DecimalField(max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)],
                                help_text="Relative share of the group's weight (e.g. 1 and 1 split it in half).")
    position = models.PositiveSmallIntegerField(default=0)
    price_scored = models.BooleanField(
        default=False, help_text="Scored by the scorecard's price formula from the bids' total cost, not by "
                                 "evaluators. At most one criterion per scorecard.")
    requirements = models.ManyToManyField(Requirement, through="CriterionCoverage", related_name="criteria",
                                          blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scorecard", "group__position", "group_id", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "key"], name="unique_criterion_key"),
                       models.UniqueConstraint(fields=["scorecard"], condition=models.Q(price_scored=True),
                                               name="one_price_criterion_per_scorecard")]
        verbose_name_plural = "criteria"

    def __str__(self) -> str:
        return self.name


class CriterionCoverage(models.Model):
    """A criterion assesses a requirement (the traceability link)."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="coverage")
    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="coverage")
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["criterion", "requirement"], name="unique_coverage")]

    def __str__(self) -> str:
        return f"{self.criterion_id} assesses {self.requirement_id}"


class Knockout(TimeStampedModel):
    class Kind(models.TextChoices):
        MANUAL = "manual", "Decided by the lead"
        ATTESTATION = "attestation", "Proposed from the vendor's attestations"
        POV = "pov", "Proposed from the demo/POV results"

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="knockouts")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MANUAL)
    standards = models.JSONField(default=list, blank=True,
                                 help_text="Attestation standards that satisfy it (any one of them).")
    horizon_months = models.PositiveSmallIntegerField(
        default=12, validators=[MaxValueValidator(120)],
        help_text="The attestation must stay valid this many months past the target award date.")
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scorecard", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "key"], name="unique_knockout_key")]

    def __str__(self) -> str:
        return self.name

    @property
    def standards_display(self) -> str:
        from vendors.models import Attestation

        labels = dict(Attestation.Standard.choices)
        return " or ".join(labels.get(s, s) for s in self.standards)


class KnockoutDecision(TimeStampedModel):
    """The lead's confirmed pass/fail for one bid, next to what the system proposed from the evidence."""

    knockout = models.ForeignKey(Knockout, on_delete=models.CASCADE, related_name="decisions")
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="knockout_decisions")
    proposed = models.BooleanField(null=True, editable=False)
    proposal_basis = models.TextField(blank=True, editable=False)
    passed = models.BooleanField(editable=False)
    reason = models.TextField(blank=True, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    decided_at = models.DateTimeField(editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["knockout", "bid"]
        constraints = [models.UniqueConstraint(fields=["knockout", "bid"], name="unique_knockout_decision")]

    def __str__(self) -> str:
        return f"{self.knockout_id}/{self.bid_id}: {'pass' if self.passed else 'fail'}"

    @property
    def overrides_proposal(self) -> bool:
        return self.proposed is not None and self.proposed != self.passed


class ScoreSheet(TimeStampedModel):
    """One evaluator's scores on one scorecard: draft until submitted; reopened only by the lead."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="sheets")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="score_sheets")
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    reopen_reason = models.TextField(blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scorecard", "evaluator"], name="unique_sheet")]

    def __str__(self) -> str:
        return f"Score sheet of {self.evaluator}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Score(TimeStampedModel):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(max_digits=4, decimal_places=1, validators=[MinValueValidator(0)])
    rationale = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sheet", "criterion", "bid"]
        constraints = [models.UniqueConstraint(fields=["sheet", "bid", "criterion"], name="unique_score")]

    def __str__(self) -> str:
        return f"{self.value} on {self.criterion_id} for {self.bid_id}"


class ConsensusNote(TimeStampedModel):
    """The panel's note on a disagreement; an optional consensus score replaces the mean of the scores."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="consensus_notes")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="consensus_notes")
    note = models.TextField()
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True,
                                validators=[MinValueValidator(0)])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bid", "criterion"], name="unique_consensus_note")]

    def __str__(self) -> str:
        return f"Consensus on {self.criterion_id} for {self.bid_id}"
