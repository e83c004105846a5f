"""Reads of the contracts app: user-scoped, N+1-free."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from contracts.handoff import HANDOFF_PACK
from contracts.models import (
    ChangeOrder,
    ClauseFeedback,
    ClausePosition,
    Contract,
    Incident,
    Kpi,
    KpiMeasurement,
    Milestone,
    PackAcknowledgement,
    Scenario,
)
from contracts.policies import contract_policy
from procurement.documents.models import RenderedDocument
from procurement.documents.selectors import current_document


def contract_list(user, *, status: str = "", q: str = "", vendor: str = ""):
    qs = contract_policy.visible(user).select_related("vendor", "post_award_manager", "negotiation_lead")
    if status:
        qs = qs.filter(status=status)
    if vendor:
        qs = qs.filter(Q(vendor__legal_name__icontains=vendor) | Q(vendor__trading_name__icontains=vendor))
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    return qs


def contract_page_queryset():
    return Contract.objects.select_related(
        "vendor", "procedure", "negotiation_lead", "legal_counsel", "post_award_manager", "security_reviewer",
        "business_owner", "kickoff", "kickoff__held_by",
    ).prefetch_related(
        Prefetch("clauses", queryset=ClausePosition.objects.select_related("owner", "playbook_clause")
                 .prefetch_related(Prefetch("feedback", queryset=ClauseFeedback.objects
                                            .select_related("author", "responded_by")))),
        Prefetch("scenarios", queryset=Scenario.objects.prefetch_related("clauses")),
        "raci_activities__assignments", "issues__raised_by", "checklist__owner",
        Prefetch("milestones", queryset=Milestone.objects.select_related("tester", "decided_by")),
        "kickoff__attendees__user", "kickoff__actions__owner",
        # post-award
        "invoices__milestone",
        Prefetch("change_orders", queryset=ChangeOrder.objects.select_related("raised_by", "decided_by")),
        Prefetch("kpis", queryset=Kpi.objects.select_related("clause")),
        "checkins__recorded_by", "exit_steps__owner",
        Prefetch("incidents", queryset=Incident.objects.select_related("reported_by")
                 .prefetch_related("clauses", "scenarios")),
    )


def contract_page(contract: Contract, *, today, now) -> dict:
    """The contract page's rows (from contract_page_queryset's prefetches): the RACI grid, clauses with their
    open feedback and next states, milestones, invoices and incidents with their state on `today` / `now`."""
    from contracts.models.planning import RACI_PARTIES
    from contracts.transitions import CLAUSE_TRANSITIONS

    parties = [key for key, _ in RACI_PARTIES]
    raci_rows = [(a, [{c.party: c.code for c in a.assignments.all()}.get(p, "") for p in parties])
                 for a in contract.raci_activities.all()]
    clauses = list(contract.clauses.all())
    for clause in clauses:
        clause.open_feedback = [f for f in clause.feedback.all() if not f.resolved]
        clause.next_states = sorted(CLAUSE_TRANSITIONS.get(clause.status, ()))
    milestones = list(contract.milestones.all())
    for m in milestones:
        m.state, m.state_label = m.state_on(today), m.state_label_on(today)
    invoices = list(contract.invoices.all())
    for inv in invoices:
        inv.due, inv.late = inv.due_on(contract.payment_terms_days), inv.is_late_on(today, contract.payment_terms_days)
    incidents = list(contract.incidents.all())
    for incident in incidents:
        incident.late = incident.notified_late(now)
    return {
        "contract": contract, "kickoff": getattr(contract, "kickoff", None), "clauses": clauses,
        "milestones": milestones, "raci_rows": raci_rows, "scenarios": list(contract.scenarios.all()),
        "issues": list(contract.issues.all()), "checklist": list(contract.checklist.all()),
        "post_award": {
            "milestones": milestones, "invoices": invoices, "change_orders": list(contract.change_orders.all()),
            "kpis": list(contract.kpis.all()), "checkins": list(contract.checkins.all()), "incidents": incidents,
            "exit_steps": list(contract.exit_steps.all()),
        },
    }


def performance_kpis(contract: Contract) -> list[Kpi]:
    """The contract's KPIs with their measurements (two queries)."""
    return list(contract.kpis.select_related("clause").prefetch_related(
        Prefetch("measurements", queryset=KpiMeasurement.objects.select_related("entered_by"))))


def pack_state(contract: Contract) -> dict:
    """The current pack, whether it is stale (the contract changed since), and who acknowledged it."""
    doc = current_document(HANDOFF_PACK, contract)
    current_hash = HANDOFF_PACK.hash_source(contract)
    latest_ready = (RenderedDocument.objects.filter(kind=HANDOFF_PACK.key, object_id=contract.pk,
                                                    status__in=[RenderedDocument.Status.READY,
                                                                RenderedDocument.Status.STALE])
                    .order_by("-version").first())
    stale = bool(latest_ready and latest_ready.source_hash != current_hash)
    receipts = list(PackAcknowledgement.objects.filter(contract=contract).select_related("acknowledged_by"))
    acknowledged = next((r for r in receipts if doc is not None and r.document_id == doc.pk), None)
    return {"doc": doc, "latest_ready": latest_ready, "stale": stale, "receipts": receipts,
            "acknowledged": acknowledged,
            "can_acknowledge": bool(doc and doc.status == RenderedDocument.Status.READY and not stale
                                    and acknowledged is None)}


def contracts_for_dashboard(user):
    return contract_policy.visible(user).annotate(
        open_clauses=Count("clauses", filter=~Q(clauses__status__in=["agreed", "conceded"]), distinct=True))


# --- the pages' reads ---------------------------------------------------------------------------------------------


def children(model, contract: Contract, path: str = "contract"):
    """Rows of `model` that belong to `contract` (through `path`), for a view that authorized the contract."""
    return model._default_manager.filter(**{path: contract})


def memos_awaiting_contract():
    """Approved decision memos with a recommended bid that no open contract runs yet, newest first."""
    from awards.models import DecisionMemo

    open_bids = Contract.objects.exclude(status=Contract.Status.CLOSED).values("bid_id")
    return (DecisionMemo.objects.filter(status=DecisionMemo.Status.APPROVED, recommended_bid__isnull=False)
            .exclude(recommended_bid_id__in=open_bids)
            .select_related("procedure", "recommended_bid__vendor").order_by("-approved_at", "-pk"))


def memo_awaiting_contract(reference: str = ""):
    """The awaiting memo of procedure `reference` (or, without one, any awaiting memo), else None."""
    memos = memos_awaiting_contract()
    return (memos.filter(procedure__reference=reference) if reference else memos).first()


def raci_activities(contract: Contract) -> list:
    return list(contract.raci_activities.prefetch_related("assignments"))


def latest_ready_pack(contract: Contract) -> RenderedDocument | None:
    return (RenderedDocument.objects.filter(kind=HANDOFF_PACK.key, object_id=contract.pk,
                                            status=RenderedDocument.Status.READY).order_by("-version").first())


def kpi_names(contract: Contract) -> str:
    return ", ".join(k.name for k in contract.kpis.all()) or "none yet"



def vendor_engagements(user, vendor) -> list:
    """The vendor's contracts this user may see (one query), for the vendor page (hook "vendors.engagements")."""
    from vendors.engagements import Engagement

    contracts = contract_policy.visible(user).filter(vendor=vendor).order_by("-reference")
    return [Engagement(kind="Contract", reference=c.reference, title=c.title, status=c.get_status_display(),
                       url=c.get_absolute_url()) for c in contracts]
