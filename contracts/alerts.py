"""What needs the post-award manager's attention on a set of contracts, in a fixed number of queries whatever
the number of contracts: KPI breaches (a KPI whose latest measurement breaches), late payments (unpaid past the
terms), usage forecasts over the cap, the vendor's expired or expiring attestations, late milestones, notice
deadlines coming up, and handoff packs waiting for acknowledgement."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import OuterRef, Subquery, Sum

from contracts.handoff import KIND
from contracts.models import Contract, Invoice, Kpi, KpiMeasurement, Milestone, PackAcknowledgement
from contracts.models.contract import PaymentModel
from contracts.policy.tables import lead_days_reader
from contracts.usage import Forecast, forecast_spend


@dataclass
class Alerts:
    contract: Contract
    kpi_breaches: list = field(default_factory=list)       # Kpi with .latest_value / .latest_on
    late_invoices: list = field(default_factory=list)      # Invoice
    usage: Forecast | None = None                          # only when over the cap
    attestations: list = field(default_factory=list)      # (Attestation, state)
    late_milestones: list = field(default_factory=list)
    notice_due: date | None = None
    pack_to_acknowledge: object = None                     # RenderedDocument

    @property
    def count(self) -> int:
        return (len(self.kpi_breaches) + len(self.late_invoices) + bool(self.usage) + len(self.attestations)
                + len(self.late_milestones) + bool(self.notice_due) + bool(self.pack_to_acknowledge))


def alerts_for(contracts: list[Contract], *, on: date, user=None) -> dict[int, Alerts]:
    """`contracts` must come with `vendor` loaded. `user`: whose pack acknowledgements count (the manager)."""
    from procurement.documents.models import RenderedDocument
    from vendors.models import Attestation

    result = {c.pk: Alerts(contract=c) for c in contracts}
    if not contracts:
        return result
    ids = list(result)
    latest = KpiMeasurement.objects.filter(kpi=OuterRef("pk")).order_by("-measured_on", "-pk")
    for kpi in (Kpi.objects.filter(contract_id__in=ids)
                .annotate(latest_breach=Subquery(latest.values("breach")[:1]),
                          latest_value=Subquery(latest.values("value")[:1]),
                          latest_on=Subquery(latest.values("measured_on")[:1]))
                .filter(latest_breach=True).order_by("name")):
        kpi.latest_text = f"{kpi.latest_value.normalize():f}" if kpi.latest_value is not None else ""
        result[kpi.contract_id].kpi_breaches.append(kpi)
    for invoice in Invoice.objects.filter(contract_id__in=ids).exclude(status=Invoice.Status.PAID) \
            .order_by("received_on", "pk"):
        alerts = result[invoice.contract_id]
        if invoice.is_late_on(on, alerts.contract.payment_terms_days):
            invoice.due = invoice.due_on(alerts.contract.payment_terms_days)
            alerts.late_invoices.append(invoice)
    usage = [c for c in contracts if c.payment_model == PaymentModel.USAGE and c.spend_cap is not None]
    if usage:
        spend = dict(Invoice.objects.filter(contract__in=usage).exclude(status=Invoice.Status.DISPUTED)
                     .values("contract").annotate(total=Sum("amount"))
                     .values_list("contract", "total"))
        for c in usage:
            forecast = forecast_spend(spend=spend.get(c.pk) or 0, cap=c.spend_cap, start=c.start_date,
                                      end=c.end_date, on=on)
            if forecast.over_cap:
                result[c.pk].usage = forecast
    by_vendor = defaultdict(list)
    for c in contracts:
        by_vendor[c.vendor_id].append(result[c.pk])
    for attestation in Attestation.objects.filter(vendor_id__in=list(by_vendor)).order_by("expires_on", "pk"):
        state = attestation.status_on(on)
        if state in (Attestation.State.EXPIRED, Attestation.State.EXPIRING):
            for alerts in by_vendor[attestation.vendor_id]:
                alerts.attestations.append((attestation, state))
    for milestone in Milestone.objects.filter(contract_id__in=ids, status=Milestone.Status.PLANNED, due_date__lt=on):
        result[milestone.contract_id].late_milestones.append(milestone)
    watched = [c for c in contracts if c.status in (Contract.Status.SIGNED, Contract.Status.ACTIVE) and c.notice_date]
    if watched:
        leads_of = lead_days_reader()  # each contract's pinned lead times (issue 21), every version read once
        for c in watched:
            if on <= c.notice_date <= on + timedelta(days=leads_of(c)["notice"]):
                result[c.pk].notice_due = c.notice_date
    if user is not None:
        mine = [pk for pk, a in result.items() if a.contract.post_award_manager_id == user.pk]
        if mine:
            docs = {}
            for doc in RenderedDocument.objects.filter(kind=KIND, object_id__in=mine) \
                    .exclude(status=RenderedDocument.Status.FAILED).order_by("object_id", "version"):
                docs[doc.object_id] = doc  # the newest version per contract
            acknowledged = set(PackAcknowledgement.objects.filter(contract_id__in=mine, acknowledged_by=user)
                               .values_list("document_id", flat=True))
            for pk, doc in docs.items():
                if doc.status == RenderedDocument.Status.READY and doc.pk not in acknowledged:
                    result[pk].pack_to_acknowledge = doc
    return result
