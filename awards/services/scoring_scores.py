"""Writes of the scoring itself: evaluators' scores and sheets, the lead's knockout decisions, consensus notes.

Rules (issue 5):
- An evaluator scores only while the procedure is in Evaluation, only the criteria assigned to them, only bids
  they declared for without an unresolved conflict (a recused evaluator, or one who has not declared, cannot
  score the bid), only on 0..scale, with a rationale at the extremes (0 and the top of the scale).
- The first score saved locks the scorecard. Drafts are saved per cell; submitting needs every cell scored.
  After submission the sheet is read-only until the lead reopens it with a reason.
- Knockouts: the system proposes pass/fail from the evidence (awards.results.propose_knockout); the lead
  confirms, with a reason when the decision differs from the proposal or when there is no proposal. A Fail
  confirmed on a shortlisted bid knocks it out (issue 17, finding 1).
- Consensus: the lead records the panel's note on a disagreement, optionally with a consensus score.
- Price (issue 20): the criterion marked as price-scored is scored by the scorecard's formula from the bids'
  total cost (awards.pricing); nobody scores it by hand and no consensus score replaces it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from awards import results
from awards.models import Bid, ConflictDeclaration, EvaluatorAssignment
from awards.models.procedure import Stage
from awards.models.scorecard import (
    ConsensusNote,
    Criterion,
    CriterionGroup,
    Knockout,
    KnockoutDecision,
    Score,
    Scorecard,
    ScoreSheet,
)
from awards.policies import procedure_policy
from awards.services._common import clean_reason, lock_procedure, locked, require_stage
from awards.services.scorecard import scorecard_lock_for_scoring
from awards.transitions import BID_LABELS, BID_STATUSES
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_delete, model_save
from procurement.statemachine import ensure_transition
from procurement.validators import readable_text

SCORING_STAGES = (Stage.EVALUATION,)
DECIDING_STAGES = (Stage.EVALUATION, Stage.SHORTLIST)


def parse_score(value, *, scale: int, field: str = "value") -> Decimal:
    """A score from user input, on 0..scale with at most one decimal, or a ValidationError that says why."""
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
    if value is None or value == "":
        raise ValidationError({field: "Enter a score."})
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"“{value}” is not a number; enter a score from 0 to {scale}."}) from None
    if not number.is_finite() or number < 0 or number > scale:
        raise ValidationError({field: f"{value} is outside the scale; enter a score from 0 to {scale}."})
    if number != number.quantize(Decimal("0.1")):
        raise ValidationError({field: "Use at most one decimal (e.g. 3.5)."})
    return number.quantize(Decimal("0.1"))


def rationale_problem(value: Decimal, rationale: str, scale: int) -> str | None:
    if (value == 0 or value == scale) and not (rationale or "").strip():
        return f"Explain a score of {value.normalize():f}: a rationale is required at the ends of the scale (0 and " \
               f"{scale})."
    return None


def _refuse_price_criterion(criterion: Criterion) -> None:
    """Read from the database (the caller's copy may predate the scorecard's price choice)."""
    if Criterion.objects.filter(pk=criterion.pk, price_scored=True).exists():
        raise DomainError(f"{criterion.name} is scored by the scorecard's price formula from each bid's total "
                          "cost; nobody scores it by hand.")


def _scoring_context(*, actor, bid: Bid, criterion: Criterion):
    """Lock and check everything a score depends on; return (scorecard, sheet-or-None)."""
    procedure = lock_procedure(bid.procedure_id)
    require(actor, procedure_policy, "view", procedure)
    if criterion.scorecard.procedure_id != procedure.pk:
        raise DomainError("That criterion belongs to another procedure.")
    _refuse_price_criterion(criterion)
    require_stage(procedure, SCORING_STAGES, "score")
    assignment = EvaluatorAssignment.objects.filter(procedure=procedure, evaluator=actor).first()
    if assignment is None:
        raise DomainError("Only an evaluator assigned to this procedure scores it.")
    scorecard = Scorecard.objects.select_for_update().get(pk=criterion.scorecard_id)
    groups = {g.pk: g for g in CriterionGroup.objects.filter(scorecard=scorecard)}
    if criterion not in results.assigned_criteria(assignment, [criterion], groups):
        raise DomainError(f"{criterion.name} is not among the criteria assigned to you "
                          f"({assignment.group_label}).")
    if not bid.is_admitted or bid.status not in results.SCORABLE_STATUSES:
        raise DomainError(f"The bid of {bid.vendor} is not under evaluation.")
    declaration = ConflictDeclaration.objects.filter(assignment=assignment, bid=bid).first()
    if declaration is None:
        raise DomainError(f"Declare any conflict of interest with {bid.vendor} before scoring its bid.")
    if declaration.review == ConflictDeclaration.Review.RECUSED:
        raise DomainError(f"You are recused from the bid of {bid.vendor} and cannot score it.")
    if not declaration.may_open:
        raise DomainError(f"Your declared conflict with {bid.vendor} awaits the lead's review; you cannot score it "
                          "yet.")
    sheet = ScoreSheet.objects.select_for_update().filter(scorecard=scorecard, evaluator=actor).first()
    if sheet is not None and sheet.is_submitted:
        raise DomainError("You have submitted your scores; they are read-only unless the procurement lead reopens "
                          "your sheet.")
    return scorecard, sheet


@transaction.atomic
def score_save(*, actor, bid: Bid, criterion: Criterion, value, rationale: str = "") -> Score:
    """Save (create or change) one draft score of the acting evaluator."""
    scorecard, sheet = _scoring_context(actor=actor, bid=bid, criterion=criterion)
    number = parse_score(value, scale=scorecard.scale)
    rationale = (rationale or "").strip()
    try:
        readable_text(rationale)  # the scoring cell posts without a form, so the form-field check is repeated
    except ValidationError as exc:
        raise ValidationError({"rationale": exc.messages}) from None
    problem = rationale_problem(number, rationale, scorecard.scale)
    if problem:
        raise ValidationError({"rationale": problem})
    scorecard_lock_for_scoring(actor=actor, scorecard=scorecard)
    if sheet is None:
        sheet = ScoreSheet(scorecard=scorecard, evaluator=actor)
        attribute(sheet, actor=actor, reason="Scoring started")
        sheet.save()
    score = Score.objects.filter(sheet=sheet, bid=bid, criterion=criterion).first()
    if score is None:
        score = Score(sheet=sheet, bid=bid, criterion=criterion, value=number, rationale=rationale)
        reason = "Draft score"
    else:
        if score.value == number and score.rationale == rationale:
            return score
        score.value, score.rationale = number, rationale
        reason = "Draft score changed"
    model_save(score, actor=actor, reason=reason)
    return score


@transaction.atomic
def score_clear(*, actor, bid: Bid, criterion: Criterion) -> None:
    """Remove one draft score (an emptied cell)."""
    scorecard, sheet = _scoring_context(actor=actor, bid=bid, criterion=criterion)
    if sheet is None:
        return
    score = Score.objects.filter(sheet=sheet, bid=bid, criterion=criterion).first()
    if score is not None:
        model_delete(score, actor=actor, reason="Draft score cleared")


@transaction.atomic
def scoresheet_submit(*, actor, procedure) -> ScoreSheet:
    """Submit the acting evaluator's sheet: every assigned criterion of every bid they may score is scored."""
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "view", procedure)
    require_stage(procedure, SCORING_STAGES, "submit scores")
    grid = results.scoring_grid(procedure, actor)
    if grid.assignment is None or grid.scorecard is None:
        raise DomainError("Only an evaluator assigned to this procedure submits scores.")
    if grid.submitted:
        raise DomainError("Your scores are already submitted.")
    undeclared = [bid for bid, why in grid.blocked if why.startswith("Declare")]
    if undeclared:
        raise DomainError("Declare for every bidder first: " + ", ".join(str(b.vendor) for b in undeclared) + ".")
    if not grid.bids or not grid.criteria:
        raise DomainError("There is nothing for you to score.")
    if grid.missing:
        raise DomainError(f"{grid.missing} score{'s' if grid.missing != 1 else ''} still missing; score every "
                          "criterion of every bid before submitting.")
    sheet = locked(ScoreSheet, grid.sheet.pk)
    sheet.submitted_at = timezone.now()
    attribute(sheet, actor=actor, reason="Scores submitted")
    sheet.save(update_fields=["submitted_at", "updated_at"])
    return sheet


@transaction.atomic
def scoresheet_reopen(*, actor, sheet: ScoreSheet, reason: str) -> ScoreSheet:
    """The lead reopens an evaluator's submitted sheet (with a reason) so they can change their scores."""
    procedure = lock_procedure(sheet.scorecard.procedure_id)
    require(actor, procedure_policy, "edit", procedure)
    require_stage(procedure, SCORING_STAGES, "reopen score sheets")
    reason = clean_reason(reason, what="the reason for reopening")
    sheet = locked(ScoreSheet, sheet.pk)
    if not sheet.is_submitted:
        raise DomainError("This sheet is not submitted; the evaluator can still change it.")
    sheet.submitted_at, sheet.reopen_reason = None, reason
    attribute(sheet, actor=actor, reason=f"Reopened: {reason}")
    sheet.save(update_fields=["submitted_at", "reopen_reason", "updated_at"])
    return sheet


@transaction.atomic
def knockout_decide(*, actor, knockout: Knockout, bid: Bid, passed: bool, reason: str = "") -> KnockoutDecision:
    """Confirm pass/fail of one knockout for one bid; overriding the evidence's proposal needs a reason."""
    procedure = lock_procedure(bid.procedure_id)
    require(actor, procedure_policy, "edit", procedure)
    if knockout.scorecard.procedure_id != procedure.pk:
        raise DomainError("That knockout belongs to another procedure.")
    require_stage(procedure, DECIDING_STAGES, "decide knockouts")
    if not bid.is_admitted:
        raise DomainError(f"The bid of {bid.vendor} is not admitted to the evaluation.")
    bid = Bid.objects.select_related("vendor").get(pk=bid.pk)
    proposed, basis = results.propose_knockout(knockout, bid, procedure.target_award_date)
    reason = (reason or "").strip()
    if proposed is None and not reason:
        raise ValidationError({"reason": "There is no proposal from the evidence: say what the decision rests on."})
    if proposed is not None and proposed != passed and not reason:
        raise ValidationError({"reason": f"The evidence proposes {'pass' if proposed else 'fail'} ({basis}); give "
                                         "the reason for overriding it."})
    decision = KnockoutDecision.objects.select_for_update().filter(knockout=knockout, bid=bid).first()
    if decision is None:
        decision = KnockoutDecision(knockout=knockout, bid=bid)
    decision.proposed, decision.proposal_basis, decision.passed = proposed, basis, passed
    decision.reason, decision.decided_by, decision.decided_at = reason, actor, timezone.now()
    decision.full_clean()
    verb = "Passed" if passed else "Failed"
    attribute(decision, actor=actor, reason=f"{verb}: {reason or 'as proposed by the evidence'}")
    decision.save()
    if not passed and bid.status == Bid.Status.SHORTLISTED:
        _knock_out_shortlisted(bid, knockout, actor=actor, why=reason or basis)
    return decision


def _knock_out_shortlisted(bid: Bid, knockout: Knockout, *, actor, why: str) -> None:
    """A bid that fails a confirmed knockout leaves the shortlist (it is never shortlisted or awarded)."""
    bid = locked(Bid, bid.pk)
    ensure_transition(BID_STATUSES, bid.status, Bid.Status.KNOCKED_OUT, labels=BID_LABELS,
                      subject=f"The bid of {bid.vendor}")
    bid.status = Bid.Status.KNOCKED_OUT
    bid.status_reason = f"Failed the knockout “{knockout.name}”: {why}"
    attribute(bid, actor=actor, reason=f"Knocked out: failed the knockout “{knockout.name}”")
    bid.save(update_fields=["status", "status_reason", "updated_at"])


@transaction.atomic
def consensus_record(*, actor, bid: Bid, criterion: Criterion, note: str, score=None) -> ConsensusNote:
    """The panel's consensus note on a (bid, criterion) disagreement; a consensus score replaces the mean."""
    procedure = lock_procedure(bid.procedure_id)
    require(actor, procedure_policy, "edit", procedure)
    if criterion.scorecard.procedure_id != procedure.pk:
        raise DomainError("That criterion belongs to another procedure.")
    require_stage(procedure, SCORING_STAGES, "record consensus")
    if score not in (None, ""):
        _refuse_price_criterion(criterion)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Write the consensus note: what the panel agreed and why."})
    value = None
    if score not in (None, ""):
        value = parse_score(score, scale=criterion.scorecard.scale, field="score")
    existing = ConsensusNote.objects.select_for_update().filter(bid=bid, criterion=criterion).first()
    consensus = existing or ConsensusNote(bid=bid, criterion=criterion, recorded_by=actor)
    consensus.note, consensus.score, consensus.recorded_by = note, value, actor
    model_save(consensus, actor=actor, reason="Consensus recorded" if existing is None else "Consensus changed")
    return consensus
