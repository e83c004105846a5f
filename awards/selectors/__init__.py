"""Reads of the awards app: user-scoped, N+1-free querysets and the answers other capabilities use.

Public interface for the scorecard and the memo:
    procedure_bids(procedure)              -> all bids of a procedure (vendor joined)
    admitted_bids(procedure)               -> bids that take part in the evaluation
    assigned_evaluators(procedure)         -> EvaluatorAssignment rows (evaluator joined)
    evaluator_may_open(user, bid)          -> bool (declared, and not recused / not awaiting review)
    bids_visible_to(user, procedure)       -> the bids this user may open
    pov_outcome(bid)                       -> {"locked", "all_met", "results", "content_hash"}
    bid_obligations(bid)                   -> what the vendor's current tier asks of the bid (POV, references)
    reference_status(bid)                  -> the bid's reference checks against those obligations (.line)
    bid_due_diligence(bid, as_of)          -> the vendor's checklist, references counted by reference_status
    failed_knockouts(bid) / excluded_bids(procedure) -> bids out of the competition, and why
    coi_register(procedure)                -> every declaration with its review (for the memo)
"""

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from awards.checks import admitted_bids
from awards.models import (
    AwardProcedure,
    Bid,
    ConflictDeclaration,
    EvaluatorAssignment,
    PovCriterion,
    ProposalDocument,
    Question,
    ReferenceCheck,
    Requirement,
)
from awards.models.procedure import TIMELINE_FIELDS, Stage
from awards.policies import bid_policy, procedure_policy, sees_all_bids, sees_question_askers
from awards.prerequisites import missing_for
from awards.selectors.award import award_outcome
from awards.selectors.knockouts import excluded_bids, failed_knockouts
from awards.selectors.obligations import ReferenceStatus, bid_due_diligence, bid_obligations, reference_status
from awards.transitions import MEMO_ONLY_STAGES, STAGE_LABELS, next_stage

__all__ = [
    "ReferenceStatus", "admitted_bids", "assigned_evaluators", "bid_due_diligence", "bid_obligations",
    "bids_visible_to", "coi_register", "evaluator_may_open", "excluded_bids", "failed_knockouts", "pov_outcome",
    "procedure_bids", "procedure_list", "procedure_page", "published_questions", "reference_status",
]


# --- lists --------------------------------------------------------------------------------------------------


def procedure_list(user, *, q: str = "", stage: str = "", category: str = "") -> QuerySet[AwardProcedure]:
    qs = procedure_policy.visible(user).select_related("lead", "business_owner").annotate(
        bid_count=Count("bids", filter=~Q(bids__status=Bid.Status.DECLINED), distinct=True))
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    if stage:
        qs = qs.filter(stage=stage)
    if category:
        qs = qs.filter(category=category)
    return qs


# --- bids, evaluators, COI ----------------------------------------------------------------------------------


def procedure_bids(procedure: AwardProcedure) -> QuerySet[Bid]:
    return Bid.objects.filter(procedure=procedure).select_related("vendor").order_by("vendor__legal_name")


def assigned_evaluators(procedure: AwardProcedure) -> QuerySet[EvaluatorAssignment]:
    """The current assignments (unassigned rows are left out by the default manager), groups prefetched."""
    return EvaluatorAssignment.objects.filter(procedure=procedure).select_related("evaluator").prefetch_related(
        "groups")


def unassigned_evaluators(procedure: AwardProcedure) -> QuerySet[EvaluatorAssignment]:
    """Evaluators taken off the procedure, with who did it and why (their submitted sheets stay in the record)."""
    return (EvaluatorAssignment.all_objects.filter(procedure=procedure, unassigned_at__isnull=False)
            .select_related("evaluator", "unassigned_by").order_by("-unassigned_at"))


def evaluator_may_open(user, bid: Bid) -> bool:
    """True when `user` may open `bid` (lead, business owner, auditor, or a cleared evaluator)."""
    return bid_policy.can_see(user, bid)


def bids_visible_to(user, procedure: AwardProcedure) -> QuerySet[Bid]:
    return bid_policy.visible(user).filter(procedure=procedure)


def coi_register(procedure: AwardProcedure) -> QuerySet[ConflictDeclaration]:
    return (ConflictDeclaration.objects.filter(assignment__procedure=procedure)
            .select_related("assignment__evaluator", "bid__vendor", "reviewed_by")
            .order_by("assignment__evaluator__last_name", "bid__vendor__legal_name"))


# --- POV and references -------------------------------------------------------------------------------------


def _criteria_of(bid: Bid) -> list[PovCriterion]:
    protocol = getattr(bid, "pov", None) if _has_pov(bid) else None
    return list(protocol.criteria.all()) if protocol else []


def _has_pov(bid: Bid) -> bool:
    try:
        return bid.pov is not None
    except Bid.pov.RelatedObjectDoesNotExist:
        return False


def pov_outcome(bid: Bid) -> dict:
    """Met / not met per criterion of the locked POV protocol (a knockout input for the scorecard).

    `all_met` is None until the protocol is locked and every criterion has a result; then True or False.
    """
    protocol = bid.pov if _has_pov(bid) else None
    locked = bool(protocol and protocol.is_locked)
    criteria = _criteria_of(bid)
    results = [
        {"criterion_id": c.pk, "metric": c.metric, "comparator": c.comparator, "symbol": c.comparator_symbol,
         "threshold": c.threshold, "unit": c.unit, "value": c.result_value, "met": c.met, "note": c.result_note}
        for c in criteria
    ]
    complete = locked and bool(results) and all(r["met"] is not None for r in results)
    return {
        "locked": locked,
        "all_met": all(r["met"] for r in results) if complete else None,
        "results": results,
        "content_hash": protocol.content_hash if protocol else "",
    }


# --- Q&A ----------------------------------------------------------------------------------------------------


def published_questions(procedure: AwardProcedure) -> QuerySet[Question]:
    """The published Q&A: no reference to who asked is loaded."""
    return (Question.objects.filter(procedure=procedure, published_at__isnull=False)
            .only("pk", "number", "text", "public_text", "answer", "published_at", "procedure_id")
            .order_by("number"))


# --- the procedure page -------------------------------------------------------------------------------------


def _bid_prefetches() -> list:
    return [
        Prefetch("documents", queryset=ProposalDocument.objects.order_by("uploaded_at", "pk")),
        Prefetch("reference_checks", queryset=ReferenceCheck.objects.order_by("checked_on", "pk")),
        Prefetch("pov__criteria", queryset=PovCriterion.objects.order_by("pk")),
    ]


def _dd_statuses(bids: list[Bid], as_of: date, procedure=None) -> tuple[dict[int, object], dict]:
    """Due diligence per bid (vendor evidence and attestations fetched once for all), and the tier plans: those
    the procedure is pinned to (issue 21: in flight keeps the plans it started under)."""
    from django.db.models import prefetch_related_objects

    from vendors.selectors import dd_checklist, dd_plans, vendor_for_page_prefetches

    vendors = list({bid.vendor_id: bid.vendor for bid in bids}.values())
    if not vendors:
        return {}, None
    plans = dd_plans(pins=procedure.policy_versions or {}) if procedure is not None else dd_plans()
    prefetch_related_objects(vendors, *vendor_for_page_prefetches())
    checklists = {vendor.pk: dd_checklist(vendor, as_of, plans=plans) for vendor in vendors}
    return {bid.pk: bid_due_diligence(bid, as_of, plans=plans, checklist=checklists[bid.vendor_id])
            for bid in bids}, plans


def timeline_events(procedure: AwardProcedure, today: date | None = None) -> list[dict]:
    from awards.selectors.timeline import proposals_deadline

    today = today or timezone.localdate()
    events = []
    for field, label, _ in TIMELINE_FIELDS:
        when = getattr(procedure, field)
        state = "upcoming"
        if when is not None and when < today:
            state = "done"
        elif when is not None and when == today:
            state = "current"
        event = {"when": when, "title": label, "state": state, "field": field}
        if field == "proposals_due" and when is not None and (procedure.proposals_due_time or procedure.time_zone):
            event["deadline"] = proposals_deadline(procedure)  # issue 21: with its time and zone
        events.append(event)
    return events


def procedure_page(procedure: AwardProcedure, user) -> dict:
    """Everything the procedure page shows, in a number of queries that does not grow with its size."""
    today = timezone.localdate()
    all_bids = sees_all_bids(user, procedure)
    bid_qs = Bid.objects.filter(procedure=procedure) if all_bids else bids_visible_to(user, procedure)
    bids = list(bid_qs.select_related("vendor", "pov").prefetch_related(*_bid_prefetches())
                .order_by("vendor__legal_name"))
    dd, plans = _dd_statuses(bids, today, procedure)
    rows = []
    for bid in bids:
        bid.procedure = procedure  # links are built from the procedure's reference; no query per bid
        rows.append({"bid": bid, "pov": pov_outcome(bid), "obligations": bid_obligations(bid, plans=plans),
                     "references": reference_status(bid, plans=plans), "dd": dd.get(bid.pk),
                     "documents": list(bid.documents.all())})
    assignments = list(assigned_evaluators(procedure).prefetch_related(
        Prefetch("declarations", queryset=ConflictDeclaration.objects.select_related("bid__vendor", "reviewed_by"))))
    my_assignment = next((a for a in assignments if a.evaluator_id == user.pk), None)
    # Bidders the user, as an evaluator, must declare for (vendor names only — no bid content).
    declarable = []
    if my_assignment is not None:
        declared = {d.bid_id: d for d in my_assignment.declarations.all()}
        for bid in procedure_bids(procedure).exclude(status=Bid.Status.DECLINED):
            bid.procedure = procedure
            declarable.append({"bid": bid, "declaration": declared.get(bid.pk)})
    invited_count = sum(1 for row in rows if row["bid"].status != Bid.Status.DECLINED)
    askers = sees_question_askers(user, procedure)
    if askers:
        questions = list(Question.objects.filter(procedure=procedure).select_related("bid__vendor")
                         .order_by("number"))
    else:
        questions = list(published_questions(procedure))
    nxt = next_stage(procedure.stage)
    procedure.dd_plans = plans  # the tier plans this page already read, for the prerequisite checks below
    readiness = missing_for(procedure, nxt) if nxt else None
    return {
        "procedure": procedure,
        "timeline": timeline_events(procedure, today),
        "requirements": list(Requirement.objects.filter(procedure=procedure).select_related("agreed_by")),
        "bid_rows": rows,
        "sees_all_bids": all_bids,
        "invited_count": invited_count,
        "assignments": assignments,
        "my_assignment": my_assignment,
        "declarable": declarable,
        "owes_declarations": any(item["declaration"] is None for item in declarable),
        "questions": questions,
        "sees_askers": askers,
        "next_stage": nxt,
        "next_stage_label": STAGE_LABELS.get(nxt, "") if nxt else "",
        "next_stage_is_memo_only": nxt in MEMO_ONLY_STAGES,
        "readiness": readiness,
        "is_cancelled": procedure.stage == Stage.CANCELLED,
        "award": award_outcome(procedure, user) if procedure.stage == Stage.AWARDED else None,
    }


def vendor_engagements(user, vendor) -> list:
    """The vendor's bids in procedures this user may see (one query), for the vendor page."""
    from vendors.engagements import Engagement

    bids = bid_policy.visible(user).filter(vendor=vendor).select_related("procedure").order_by("-procedure__created_at")
    return [
        Engagement(kind="Award procedure", reference=bid.procedure.reference, title=bid.procedure.title,
                   status=f"{bid.procedure.get_stage_display()} · bid {bid.get_status_display().lower()}",
                   url=bid.procedure.get_absolute_url())
        for bid in bids
    ]


# --- the pages' reads (awards/selectors/pages.py) -----------------------------------------------------------
from awards.selectors import pages as _pages  # noqa: E402

assigned_evaluator_ids = _pages.assigned_evaluator_ids
bid_documents = _pages.bid_documents
bid_page = _pages.bid_page
bid_pov_criteria = _pages.bid_pov_criteria
bids_of = _pages.bids_of
bids_that_may_ask = _pages.bids_that_may_ask
consensus_note = _pages.consensus_note
criterion_requirement_ids = _pages.criterion_requirement_ids
debriefs_of = _pages.debriefs_of
invitable_vendors = _pages.invitable_vendors
memo_alternatives = _pages.memo_alternatives
memo_debriefs = _pages.memo_debriefs
memo_of = _pages.memo_of
memos = _pages.memos
pending_requirements = _pages.pending_requirements
procedure_bid = _pages.procedure_bid
procedure_criteria = _pages.procedure_criteria
procedure_declarations = _pages.procedure_declarations
procedure_knockouts = _pages.procedure_knockouts
procedure_questions = _pages.procedure_questions
procedure_requirements = _pages.procedure_requirements
procedure_score_sheets = _pages.procedure_score_sheets
procedures = _pages.procedures
scorecard_criteria = _pages.scorecard_criteria
scorecard_groups = _pages.scorecard_groups
scorecard_knockouts = _pages.scorecard_knockouts
scorecard_of = _pages.scorecard_of
scorecard_page = _pages.scorecard_page
signoff_inbox = _pages.signoff_inbox
