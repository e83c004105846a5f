"""Reads of the contracts app: user-scoped, N+1-free."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from contracts.handoff import HANDOFF_PACK
from contracts.models import ClauseFeedback, ClausePosition, Contract, PackAcknowledgement, Scenario
from contracts.permissions import contract_policy
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
        "raci_activities__assignments", "issues__raised_by", "checklist__owner", "milestones",
        "kickoff__attendees__user", "kickoff__actions__owner",
    )


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
