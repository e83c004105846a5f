"""The evaluators' submitted scores with their reasons, per bid and criterion (issue 17, finding 5).

Public interface:

    procedure_rationales(procedure, *, bids=None, criterion=None) -> Rationales
        Every score on a submitted sheet, for the admitted bids (not declined) of the procedure, with the
        evaluator, the value, the rationale, when the sheet was submitted, and whether the score counts. A score
        counts only while its evaluator's conflict declaration for that bid lets them open it (no conflict, or a
        conflict the lead accepted) — as in awards.results.procedure_results; a recused evaluator's score is
        listed as recused and does not count. Scores on sheets not submitted are never read.
        ``bids`` (bids or their ids) and ``criterion`` narrow it (the debrief, the consensus form).
        One query, whatever the number of bids, criteria or evaluators. Pages that are about one bid or one
        criterion narrow it; the results page never calls it (it would read every reason of the procedure).
    bid_rationales_page(procedure, bid, *, page=1, per_page=None) -> RationalesPage
        One page of one bid's scores with their reasons, in the order of the scorecard (group, criterion), then
        evaluator: what "Evaluators' reasons" on the results page loads when opened. One query (it reads one row
        past the page to know whether another follows, so it needs no count). ``per_page`` defaults to
        RATIONALES_PER_PAGE.
    rationales_access(user, procedure, *, memo=None) -> dict
        ``reads_rationales`` (bool) and ``rationales_refusal`` as below, without reading any score: what the
        results page needs to offer the per-bid links.
    rationales_context(user, procedure, *, memo=None, bids=None, criterion=None) -> dict
        What a page passes to templates/awards/memo/_rationales.html: ``rationales`` when the person may read
        them (awards.policies.reads_rationales, the only rule of who may), else None; ``rationales_refusal``,
        the sentence shown to the lead or an auditor while scoring is still open ("" otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from awards.models import Bid, ConflictDeclaration
from awards.models.procedure import Stage
from awards.models.scorecard import Score

__all__ = ["RATIONALES_PER_PAGE", "EvaluatorScore", "Rationales", "RationalesPage", "bid_rationales_page",
           "procedure_rationales", "rationales_access", "rationales_context"]

RATIONALES_PER_PAGE = 120  # score rows on one page of a bid's reasons (ten criteria of twelve evaluators)


@dataclass(frozen=True)
class EvaluatorScore:
    evaluator_id: int
    evaluator: str
    value: Decimal
    rationale: str
    submitted_at: datetime
    review: str  # the evaluator's conflict review for this bid ("" when they never declared)

    @property
    def counts(self) -> bool:
        return self.review in ConflictDeclaration.MAY_OPEN

    @property
    def standing(self) -> str:
        """Why the score does not count, in words ("" when it counts)."""
        if self.counts:
            return ""
        if self.review == ConflictDeclaration.Review.RECUSED:
            return "Recused: this score does not count."
        if self.review == ConflictDeclaration.Review.PENDING:
            return "Conflict awaiting review: this score does not count."
        return "No conflict declaration: this score does not count."


@dataclass
class CriterionRationales:
    criterion_id: int
    criterion: str
    scores: list[EvaluatorScore] = field(default_factory=list)

    @property
    def counting(self) -> list[EvaluatorScore]:
        return [s for s in self.scores if s.counts]


@dataclass
class BidRationales:
    bid_id: int
    bid: str
    criteria: list[CriterionRationales] = field(default_factory=list)


@dataclass
class Rationales:
    bids: list[BidRationales] = field(default_factory=list)

    def cell(self, bid_id: int, criterion_id: int) -> list[EvaluatorScore]:
        for bid in self.bids:
            if bid.bid_id == bid_id:
                for criterion in bid.criteria:
                    if criterion.criterion_id == criterion_id:
                        return criterion.scores
        return []


@dataclass
class RationalesPage:
    """One page of one bid's scores with their reasons, grouped by criterion (a criterion cut by the page break
    continues on the next page)."""
    number: int
    per_page: int
    criteria: list[CriterionRationales] = field(default_factory=list)
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def first_row(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def last_row(self) -> int:
        return self.first_row + sum(len(c.scores) for c in self.criteria) - 1


def _scores(procedure):
    """The submitted scores of the admitted bids, with what a row shows, in the order the pages list them."""
    review = ConflictDeclaration.objects.filter(assignment__procedure=procedure,
                                                assignment__evaluator=OuterRef("sheet__evaluator"),
                                                bid=OuterRef("bid")).values("review")[:1]
    return (Score.objects
            .filter(sheet__scorecard__procedure=procedure, sheet__submitted_at__isnull=False,
                    bid__procedure=procedure, bid__submitted_at__isnull=False)
            .exclude(bid__status__in=(Bid.Status.INVITED, Bid.Status.DECLINED))
            .filter(bid__late_decision__in=("", Bid.LateDecision.ADMITTED))
            .annotate(review=Subquery(review))
            .select_related("sheet__evaluator", "bid__vendor", "criterion__group")
            .order_by("bid__vendor__legal_name", "bid_id", "criterion__group__position", "criterion__group_id",
                      "criterion__position", "criterion_id", "sheet__evaluator__last_name",
                      "sheet__evaluator__first_name", "sheet__evaluator_id"))


def _evaluator_score(score) -> EvaluatorScore:
    evaluator = score.sheet.evaluator
    return EvaluatorScore(evaluator_id=evaluator.pk, evaluator=str(evaluator), value=score.value,
                          rationale=score.rationale, submitted_at=score.sheet.submitted_at,
                          review=score.review or "")


def procedure_rationales(procedure, *, bids=None, criterion=None) -> Rationales:
    rows = _scores(procedure)
    if bids is not None:
        rows = rows.filter(bid__in=[getattr(b, "pk", b) for b in bids])
    if criterion is not None:
        rows = rows.filter(criterion=criterion)
    by_bid: dict[int, BidRationales] = {}
    by_cell: dict[tuple[int, int], CriterionRationales] = {}
    for score in rows:
        entry = by_bid.get(score.bid_id)
        if entry is None:
            entry = by_bid[score.bid_id] = BidRationales(bid_id=score.bid_id, bid=str(score.bid.vendor))
        cell = by_cell.get((score.bid_id, score.criterion_id))
        if cell is None:
            cell = by_cell[(score.bid_id, score.criterion_id)] = CriterionRationales(
                criterion_id=score.criterion_id, criterion=score.criterion.name)
            entry.criteria.append(cell)
        cell.scores.append(_evaluator_score(score))
    return Rationales(bids=list(by_bid.values()))


def bid_rationales_page(procedure, bid, *, page: int = 1, per_page: int | None = None) -> RationalesPage:
    page, per_page = max(1, page), per_page or RATIONALES_PER_PAGE
    start = (page - 1) * per_page
    rows = list(_scores(procedure).filter(bid=getattr(bid, "pk", bid))[start:start + per_page + 1])
    result = RationalesPage(number=page, per_page=per_page, has_next=len(rows) > per_page)
    cell = None
    for score in rows[:per_page]:
        if cell is None or cell.criterion_id != score.criterion_id:
            cell = CriterionRationales(criterion_id=score.criterion_id, criterion=score.criterion.name)
            result.criteria.append(cell)
        cell.scores.append(_evaluator_score(score))
    return result


def rationales_access(user, procedure, *, memo=None) -> dict:
    from awards.policies import SCORING_NOT_CLOSED, reads_rationales, scoring_closed
    from procurement.accounts.roles import Role, has_role

    if reads_rationales(user, procedure, memo):
        return {"reads_rationales": True, "rationales_refusal": ""}
    would_read = user.is_superuser or procedure.lead_id == user.pk or has_role(user, Role.AUDITOR)
    waiting = would_read and procedure.stage == Stage.EVALUATION and not scoring_closed(procedure)
    return {"reads_rationales": False, "rationales_refusal": SCORING_NOT_CLOSED if waiting else ""}


def rationales_context(user, procedure, *, memo=None, bids=None, criterion=None) -> dict:
    access = rationales_access(user, procedure, memo=memo)
    rationales = procedure_rationales(procedure, bids=bids, criterion=criterion) if access["reads_rationales"] else None
    return {"rationales": rationales, "rationales_refusal": access["rationales_refusal"]}
