"""The reads behind the OCDS packages: procedures with everything a release shows, in a fixed number of queries.

`published()` is the procedures the organisation decided to publish (a Publication in state "published");
`procedures_for_ocds(queryset)` loads any procedures with their submitted bids' vendors, their memo and
recommended vendor, their contracts with milestones and paid invoices, and the day each contract was signed
(one history query for the whole batch), so building a bulk package costs the same queries for 1 or 100
procedures.
"""

from __future__ import annotations

from django.db.models import Count, Min, Prefetch, QuerySet

from awards.models import AwardProcedure, Bid
from contracts.models import Contract, Invoice, Milestone, Publication

SIGNED_STATUSES = ("signed", "active", "exiting")


def published() -> QuerySet[AwardProcedure]:
    return AwardProcedure.objects.filter(ocds_publication__status=Publication.Status.PUBLISHED)


def published_procedure(reference: str) -> AwardProcedure | None:
    """The published procedure with this reference, loaded for a package; None when unpublished or unknown."""
    found = procedures_for_ocds(published().filter(reference=reference))
    return found[0] if found else None


def procedures_for_ocds(queryset) -> list[AwardProcedure]:
    procedures = list(
        queryset.select_related("memo__recommended_bid__vendor", "ocds_publication")
        .annotate(ocds_invited=Count("bids", distinct=True))
        .prefetch_related(
            Prefetch("bids", queryset=Bid.objects.filter(submitted_at__isnull=False).select_related("vendor")
                     .order_by("vendor__legal_name", "pk"), to_attr="ocds_tenderers"),
            Prefetch("contracts", queryset=Contract.objects.select_related("vendor").order_by("reference")
                     .prefetch_related(
                Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk"),
                         to_attr="ocds_milestones"),
                Prefetch("invoices", queryset=Invoice.objects.filter(status=Invoice.Status.PAID)
                         .order_by("paid_on", "pk"), to_attr="ocds_paid")),
                to_attr="ocds_contracts"))
        .order_by("reference"))
    contract_ids = [c.pk for p in procedures for c in p.ocds_contracts]
    signed = {}
    if contract_ids:
        signed = dict(Contract.history.filter(id__in=contract_ids, status__in=SIGNED_STATUSES)
                      .values("id").annotate(first=Min("history_date")).values_list("id", "first"))
    for procedure in procedures:
        for contract in procedure.ocds_contracts:
            contract.ocds_signed_at = signed.get(contract.pk)
    return procedures
