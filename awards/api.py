"""The award part of the REST API (procurement.api): procedures (timeline, bids, results) and decision memos.

Every read is scoped exactly as the pages are: procedures by awards.policies.procedure_policy, bids by
bid_policy (an evaluator sees only the bids they declared for without a conflict), memos by memo_policy, and the
results (ranking and totals) only for the people the results page shows them to (awards.results.sees_results):
someone who sees the procedure but not its results gets 403, someone who does not see it 404.

The one write, a score sheet, calls awards.services.scoring_scores (score_save for each score, then
scoresheet_submit) inside one transaction: any refused score leaves nothing saved.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from ninja import Field, Query, Router, Schema, Status

from awards import results as award_results
from awards import selectors
from awards.models import AwardProcedure, Bid, DecisionMemo, SignOff
from awards.models.scorecard import Criterion
from awards.policies import bid_policy, memo_policy, procedure_policy
from awards.selectors.timeline import timeline_changes_after_issue
from awards.services import scoring_scores
from procurement import authz
from procurement.api.problems import COMMON_ERRORS, WRITE_ERRORS
from procurement.api.responses import Paging, conditional, page_schema, paginate

router = Router(tags=["procedures"])
memo_router = Router(tags=["memos"])


def _person(user) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


# --- schemas ------------------------------------------------------------------------------------------------
class TimelineOut(Schema):
    rfp_issue_date: date | None
    question_deadline: date | None
    proposals_due: date | None
    demo_start: date | None
    demo_end: date | None
    target_award_date: date | None


class TimelineChangeOut(Schema):
    at: datetime
    by: str
    reason: str
    changes: list[str]


class BidOut(Schema):
    id: int
    vendor_id: int
    vendor: str
    status: str
    submitted_at: datetime | None
    vendor_tier: str


class ProcedureOut(Schema):
    reference: str
    title: str
    category: str
    stage: str
    lead: str
    business_owner: str
    estimated_value: Decimal | None
    currency: str
    term_months: int | None
    timeline: TimelineOut
    bid_count: int
    updated_at: datetime


class ProcedureDetailOut(ProcedureOut):
    need_statement: str
    timeline_changes: list[TimelineChangeOut]
    bids: list[BidOut] = Field(description="Only the bids you may open.")
    results_available: bool = Field(description="Whether you may read GET /procedures/{reference}/results.")


class RankedBidOut(Schema):
    bid_id: int
    vendor: str
    rank: int | None
    total: float | None
    excluded: bool
    exclusion_reason: str | None
    provisional: bool


class ResultsOut(Schema):
    reference: str
    problems: list[str]
    provisional: bool
    winner_bid_id: int | None
    ranking: list[RankedBidOut]
    excluded: list[RankedBidOut]


class SignOffOut(Schema):
    signer: str
    committee: str
    decision: str
    comment: str
    content_hash: str
    signed_at: datetime


class MemoOut(Schema):
    reference: str = Field(description="The procedure's reference (a memo belongs to one procedure).")
    title: str
    status: str
    version: int
    decision_date: date
    contract_value: Decimal
    recommended_bid_id: int | None
    recommended_vendor: str
    content_hash: str
    submitted_at: datetime | None
    approved_at: datetime | None
    standstill_ends_on: date | None
    updated_at: datetime


class MemoDetailOut(MemoOut):
    recommendation: str
    signoffs: list[SignOffOut]


ProcedurePage = page_schema(ProcedureOut, "ProcedurePage")
MemoPage = page_schema(MemoOut, "MemoPage")


class ProcedureFilters(Schema):
    q: str = Field("", max_length=100, description="Part of the reference or the title.")
    stage: str = ""
    category: str = ""


class MemoFilters(Schema):
    status: str = Field("", description="draft, in_approval, approved, rejected...")


class ScoreIn(Schema):
    bid_id: int
    criterion: str = Field(..., min_length=1, max_length=40, description="The criterion's key.")
    value: Decimal = Field(..., ge=0, le=100, max_digits=6, decimal_places=2)
    rationale: str = Field("", max_length=5000)


class ScoreSheetIn(Schema):
    scores: list[ScoreIn] = Field(..., max_length=500)
    submit: bool = Field(True, description="Submit the sheet after saving the scores (it becomes read-only).")


class ScoreSheetOut(Schema):
    reference: str
    saved: int
    submitted: bool
    submitted_at: datetime | None


# --- procedures ---------------------------------------------------------------------------------------------
def _procedure(p: AwardProcedure) -> dict:
    return {
        "reference": p.reference, "title": p.title, "category": p.category, "stage": p.stage,
        "lead": _person(p.lead), "business_owner": _person(p.business_owner), "estimated_value": p.estimated_value,
        "currency": p.currency, "term_months": p.term_months, "timeline": p, "bid_count": p.bid_count,
        "updated_at": p.updated_at,
    }


@router.get("", response={200: ProcedurePage, 304: None, **COMMON_ERRORS}, url_name="procedure_list",
            summary="List the award procedures you may see")
def procedure_list(request, filters: Query[ProcedureFilters], paging: Query[Paging]):
    qs = selectors.procedure_list(request.user, **filters.dict()).order_by("reference", "pk")
    return paginate(request, qs, paging, ProcedurePage, items=lambda rows: [_procedure(p) for p in rows])


def _visible_procedure(request, reference: str) -> AwardProcedure:
    qs = AwardProcedure.objects.select_related("lead", "business_owner").annotate(
        bid_count=Count("bids", filter=~Q(bids__status=Bid.Status.DECLINED), distinct=True))
    return authz.get_for_user_or_404(request.user, procedure_policy, queryset=qs, reference=reference)


@router.get("/{reference}", response={200: ProcedureDetailOut, 304: None, **COMMON_ERRORS},
            url_name="procedure_detail", summary="One procedure: timeline, its changes after issue, your bids")
def procedure_detail(request, reference: str):
    procedure = _visible_procedure(request, reference)
    bids = selectors.bids_visible_to(request.user, procedure).order_by("vendor__legal_name", "pk")
    data = _procedure(procedure) | {
        "need_statement": procedure.need_statement,
        "timeline_changes": [{"at": c.at, "by": _person(c.by), "reason": c.reason, "changes": c.lines()}
                             for c in timeline_changes_after_issue(procedure)],
        "bids": [{"id": b.pk, "vendor_id": b.vendor_id, "vendor": b.vendor.legal_name, "status": b.status,
                  "submitted_at": b.submitted_at, "vendor_tier": b.vendor_tier} for b in bids],
        "results_available": award_results.sees_results(request.user, procedure),
    }
    return conditional(request, ProcedureDetailOut, data)


def _ranked(bid_result, bids: dict) -> dict:
    return {"bid_id": bids[bid_result.key].pk, "vendor": bids[bid_result.key].vendor.legal_name,
            "rank": bid_result.rank, "total": bid_result.total, "excluded": bid_result.excluded,
            "exclusion_reason": bid_result.exclusion_reason, "provisional": bid_result.provisional}


@router.get("/{reference}/results", response={200: ResultsOut, 304: None, **COMMON_ERRORS},
            url_name="procedure_results", summary="The ranking and totals (the lead, business owner, auditors)")
def procedure_results(request, reference: str):
    procedure = _visible_procedure(request, reference)
    if not award_results.sees_results(request.user, procedure):
        raise PermissionDenied("Only the procedure's lead, its business owner and auditors see its results.")
    data = award_results.procedure_results(procedure)
    result, bids = data.result, data.bid_by_key
    return conditional(request, ResultsOut, {
        "reference": procedure.reference, "problems": list(data.problems),
        "provisional": bool(result and result.provisional),
        "winner_bid_id": bids[result.winner.key].pk if result and result.winner else None,
        "ranking": [_ranked(r, bids) for r in result.ranking] if result else [],
        "excluded": [_ranked(r, bids) for r in result.excluded] if result else [],
    })


BidPage = page_schema(BidOut, "BidPage")


@router.get("/{reference}/bids", response={200: BidPage, 304: None, **COMMON_ERRORS}, url_name="procedure_bids",
            summary="The bids of a procedure that you may open")
def procedure_bids(request, reference: str, paging: Query[Paging]):
    procedure = _visible_procedure(request, reference)
    qs = bid_policy.visible(request.user).filter(procedure=procedure).order_by("vendor__legal_name", "pk")
    return paginate(request, qs, paging, BidPage, items=lambda rows: [
        {"id": b.pk, "vendor_id": b.vendor_id, "vendor": b.vendor.legal_name, "status": b.status,
         "submitted_at": b.submitted_at, "vendor_tier": b.vendor_tier} for b in rows])


def _score_error(index: int, exc: ValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError({f"scores.{index}.{'value' if name == 'value' else name}": messages
                                for name, messages in exc.message_dict.items()})
    return ValidationError({f"scores.{index}": exc.messages})


@router.post("/{reference}/scoresheet", response={200: ScoreSheetOut, **WRITE_ERRORS},
             url_name="procedure_scoresheet", summary="Save your scores and submit your score sheet (evaluators)")
def procedure_scoresheet(request, reference: str, payload: ScoreSheetIn):
    """All or nothing: every score is saved through the same service as the scoring grid, then the sheet is
    submitted; any refused score (422 naming `scores.<n>.<field>`) or rule (409) leaves nothing saved."""
    procedure = authz.get_for_user_or_404(request.user, procedure_policy, action="score", reference=reference)
    bids = {b.pk: b for b in bid_policy.visible(request.user).filter(procedure=procedure)}
    criteria = {c.key: c for c in Criterion.objects.filter(scorecard__procedure=procedure).select_related("scorecard")}
    with transaction.atomic():
        for index, item in enumerate(payload.scores):
            bid = bids.get(item.bid_id)
            if bid is None:
                raise ValidationError({f"scores.{index}.bid_id": "No bid of this procedure that you may score "
                                                                 "has this id."})
            criterion = criteria.get(item.criterion)
            if criterion is None:
                raise ValidationError({f"scores.{index}.criterion": "This procedure has no criterion with this key."})
            try:
                scoring_scores.score_save(actor=request.user, bid=bid, criterion=criterion, value=item.value,
                                          rationale=item.rationale)
            except ValidationError as exc:
                raise _score_error(index, exc) from None
        sheet = scoring_scores.scoresheet_submit(actor=request.user, procedure=procedure) if payload.submit else None
    return Status(200, {"reference": procedure.reference, "saved": len(payload.scores),
                        "submitted": sheet is not None, "submitted_at": sheet.submitted_at if sheet else None})


# --- memos --------------------------------------------------------------------------------------------------
def _memo(m: DecisionMemo) -> dict:
    bid = m.recommended_bid
    return {
        "reference": m.procedure.reference, "title": m.title, "status": m.status, "version": m.version,
        "decision_date": m.decision_date, "contract_value": m.contract_value,
        "recommended_bid_id": m.recommended_bid_id, "recommended_vendor": bid.vendor.legal_name if bid else "",
        "content_hash": m.content_hash, "submitted_at": m.submitted_at, "approved_at": m.approved_at,
        "standstill_ends_on": m.standstill_ends_on, "updated_at": m.updated_at,
    }


@memo_router.get("", response={200: MemoPage, 304: None, **COMMON_ERRORS}, url_name="memo_list",
                 summary="List the decision memos you may see")
def memo_list(request, filters: Query[MemoFilters], paging: Query[Paging]):
    qs = memo_policy.visible(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    qs = qs.order_by("procedure__reference", "pk")
    return paginate(request, qs, paging, MemoPage, items=lambda rows: [_memo(m) for m in rows])


@memo_router.get("/{reference}", response={200: MemoDetailOut, 304: None, **COMMON_ERRORS}, url_name="memo_detail",
                 summary="One decision memo (by its procedure's reference) with its sign-offs")
def memo_detail(request, reference: str):
    qs = memo_policy.base_queryset().prefetch_related(
        Prefetch("routes__signoffs", queryset=SignOff.objects.select_related("signer", "step")
                 .order_by("signed_at", "pk")))
    memo = authz.get_for_user_or_404(request.user, memo_policy, queryset=qs, procedure__reference=reference)
    signoffs = sorted((s for route in memo.routes.all() for s in route.signoffs.all()),
                      key=lambda s: (s.signed_at, s.pk))
    return conditional(request, MemoDetailOut, _memo(memo) | {
        "recommendation": memo.recommendation,
        "signoffs": [{"signer": _person(s.signer), "committee": s.step.committee_name, "decision": s.decision,
                      "comment": s.comment, "content_hash": s.content_hash, "signed_at": s.signed_at}
                     for s in signoffs],
    })
