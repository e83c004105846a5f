"""Reads of the contracts app: user-scoped, N+1-free."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from contracts.handoff import HANDOFF_PACK
from contracts.models import (
    Contract,
    Kpi,
    KpiMeasurement,
    PackAcknowledgement,
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


def performance_kpis(contract: Contract) -> list[Kpi]:
    """The contract's KPIs with their measurements (two queries)."""
    return list(contract.kpis.select_related("clause").prefetch_related(
        Prefetch("measurements", queryset=KpiMeasurement.objects.select_related("entered_by"))))


def pack_state(contract: Contract, *, panel: dict | None = None) -> dict:
    """The current pack, whether it is stale (the contract changed since), and who acknowledged it.

    Whether a pack is stale needs the hash of the pack's content as the contract is today, which builds the
    whole pack context (a dozen queries): it is computed only when a rendered pack exists, and not a second time
    when `panel` (the document component's state, procurement.documents.selectors.panel_state) already compared
    that same version with the contract."""
    doc = panel["doc"] if panel is not None else current_document(HANDOFF_PACK, contract)
    latest_ready = (RenderedDocument.objects.filter(kind=HANDOFF_PACK.key, object_id=contract.pk,
                                                    status__in=[RenderedDocument.Status.READY,
                                                                RenderedDocument.Status.STALE])
                    .order_by("-version").first())
    if latest_ready is None:
        stale = False
    elif (panel is not None and doc is not None and doc.pk == latest_ready.pk
          and doc.status == RenderedDocument.Status.READY):
        stale = panel["outdated"]  # the panel hashed the contract against this very version
    else:
        stale = latest_ready.source_hash != HANDOFF_PACK.hash_source(contract)
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
