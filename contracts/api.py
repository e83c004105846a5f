"""The contracts part of the REST API (procurement.api): contracts, their obligations, milestones, KPIs, the
handoff pack's data, and two post-award writes (a KPI measurement, an invoice).

Contracts are scoped by contracts.policies.contract_policy (the contract team, procurement leads, auditors; 404
for anyone else). Writes call contracts.services.performance.measurement_record and
contracts.services.payments.invoice_record, which check the "manage" action themselves (403 for a team member
who is not the post-award manager or a lead; 409 on a closed contract).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from contracts import selectors
from contracts.handoff import SETTLED, handoff_context
from contracts.models import ClausePosition, Contract, Kpi, KpiMeasurement
from contracts.models.planning import Milestone
from contracts.policies import contract_policy
from contracts.services import payments, performance
from procurement import authz
from procurement.api.problems import COMMON_ERRORS, WRITE_ERRORS
from procurement.api.responses import Paging, conditional, page_schema, paginate

router = Router(tags=["contracts"])


def _person(user) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


# --- schemas ------------------------------------------------------------------------------------------------
class ContractOut(Schema):
    reference: str
    title: str
    status: str
    vendor_id: int
    vendor: str
    procedure: str | None
    value: Decimal
    currency: str
    start_date: date | None
    end_date: date | None
    post_award_manager: str
    updated_at: datetime


class ObligationOut(Schema):
    clause_id: int
    title: str
    status: str
    terms: str
    required: bool


class MilestoneOut(Schema):
    id: int
    title: str
    due_date: date
    payment_amount: Decimal | None
    status: str


class KpiOut(Schema):
    id: int
    name: str
    unit: str
    direction: str
    threshold: Decimal
    frequency: str
    source: str


class ContractDetailOut(ContractOut):
    renewal: str
    notice_period_days: int | None
    payment_model: str
    payment_terms_days: int | None
    obligations: list[ObligationOut]
    milestones: list[MilestoneOut]
    kpis: list[KpiOut]


class MeasurementOut(Schema):
    id: int
    kpi_id: int
    measured_on: date
    value: Decimal
    note: str
    threshold: Decimal
    breach: bool
    entered_by: str


class InvoiceOut(Schema):
    id: int
    number: str
    amount: Decimal
    received_on: date
    milestone_id: int | None
    period_start: date | None
    period_end: date | None
    status: str


class PackPositionOut(Schema):
    title: str
    status: str
    target: str
    fallback: str
    walk_away: str
    agreed: str
    deviates: bool


class PackObligationOut(Schema):
    obligation: str
    type: str
    terms: str
    owner: str


class PackMilestoneOut(Schema):
    title: str
    due_date: date
    payment_amount: Decimal | None


class PackTeamOut(Schema):
    role: str
    name: str
    email: str


class PackRiskOut(Schema):
    title: str
    category: str
    status: str
    residual: str
    owner: str


class PackChecklistOut(Schema):
    label: str
    owner: str
    done_on: date | None
    waived: str


class PackAttestationOut(Schema):
    standard: str
    issuer: str
    issued_on: date
    expires_on: date
    refresh_by: date


class HandoffOut(Schema):
    reference: str
    draft_open_clauses: int = Field(description="Clauses still being negotiated (0 when the pack is final).")
    team: list[PackTeamOut]
    positions: list[PackPositionOut]
    obligations: list[PackObligationOut]
    milestones: list[PackMilestoneOut]
    risks: list[PackRiskOut]
    checklist: list[PackChecklistOut]
    attestations: list[PackAttestationOut]


ContractPage = page_schema(ContractOut, "ContractPage")
MeasurementPage = page_schema(MeasurementOut, "MeasurementPage")


class ContractFilters(Schema):
    q: str = Field("", max_length=100, description="Part of the reference or the title.")
    status: str = ""
    vendor: str = Field("", max_length=100, description="Part of the vendor's name.")


class MeasurementIn(Schema):
    measured_on: date
    value: Decimal = Field(..., max_digits=14, decimal_places=4)
    note: str = Field("", max_length=300)


class InvoiceIn(Schema):
    number: str = Field(..., min_length=1, max_length=60)
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    received_on: date
    milestone_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None


# --- reading ------------------------------------------------------------------------------------------------
def _contract(c: Contract) -> dict:
    return {"reference": c.reference, "title": c.title, "status": c.status, "vendor_id": c.vendor_id,
            "vendor": c.vendor.legal_name, "procedure": c.procedure.reference if c.procedure_id else None,
            "value": c.value, "currency": c.currency, "start_date": c.start_date, "end_date": c.end_date,
            "post_award_manager": _person(c.post_award_manager), "updated_at": c.updated_at}


@router.get("", response={200: ContractPage, 304: None, **COMMON_ERRORS}, url_name="contract_list",
            summary="List the contracts you may see")
def contract_list(request, filters: Query[ContractFilters], paging: Query[Paging]):
    qs = selectors.contract_list(request.user, **filters.dict()).select_related("procedure") \
        .order_by("reference", "pk")
    return paginate(request, qs, paging, ContractPage, items=lambda rows: [_contract(c) for c in rows])


def _visible_contract(request, reference: str, *, action: str = "view") -> Contract:
    qs = Contract.objects.select_related("vendor", "procedure", "post_award_manager")
    return authz.get_for_user_or_404(request.user, contract_policy, action=action, queryset=qs, reference=reference)


@router.get("/{reference}", response={200: ContractDetailOut, 304: None, **COMMON_ERRORS},
            url_name="contract_detail", summary="One contract: obligations, milestones and KPIs")
def contract_detail(request, reference: str):
    contract = _visible_contract(request, reference)
    clauses = ClausePosition.objects.filter(contract=contract, status__in=SETTLED).order_by("order", "pk")
    return conditional(request, ContractDetailOut, _contract(contract) | {
        "renewal": contract.renewal, "notice_period_days": contract.notice_period_days,
        "payment_model": contract.payment_model, "payment_terms_days": contract.payment_terms_days,
        "obligations": [{"clause_id": p.pk, "title": p.title, "status": p.status, "terms": p.agreed_summary,
                         "required": p.required} for p in clauses],
        "milestones": list(Milestone.objects.filter(contract=contract).order_by("due_date", "pk")),
        "kpis": list(Kpi.objects.filter(contract=contract).order_by("name", "pk")),
    })


@router.get("/{reference}/handoff", response={200: HandoffOut, 304: None, **COMMON_ERRORS},
            url_name="contract_handoff", summary="The handoff pack's data (what the rendered pack shows)")
def contract_handoff(request, reference: str):
    contract = _visible_contract(request, reference)
    context = handoff_context(contract)
    return conditional(request, HandoffOut, {
        "reference": contract.reference, "draft_open_clauses": (context["draft"] or {}).get("open", 0),
        **{key: context[key] for key in ("team", "positions", "obligations", "milestones", "risks", "checklist",
                                         "attestations")},
    })


def _measurement(m: KpiMeasurement) -> dict:
    return {"id": m.pk, "kpi_id": m.kpi_id, "measured_on": m.measured_on, "value": m.value, "note": m.note,
            "threshold": m.threshold, "breach": m.breach, "entered_by": _person(m.entered_by)}


def _kpi_of(contract: Contract, kpi_id: int) -> Kpi:
    kpi = Kpi.objects.filter(contract=contract, pk=kpi_id).first()
    if kpi is None:
        raise Http404(authz.UNSEEN)
    return kpi


@router.get("/{reference}/kpis/{kpi_id}/measurements", response={200: MeasurementPage, 304: None, **COMMON_ERRORS},
            url_name="kpi_measurements", summary="A KPI's measurements, newest first")
def kpi_measurements(request, reference: str, kpi_id: int, paging: Query[Paging]):
    kpi = _kpi_of(_visible_contract(request, reference), kpi_id)
    qs = KpiMeasurement.objects.filter(kpi=kpi).select_related("entered_by").order_by("-measured_on", "-pk")
    return paginate(request, qs, paging, MeasurementPage, items=lambda rows: [_measurement(m) for m in rows])


# --- writing ------------------------------------------------------------------------------------------------
@router.post("/{reference}/kpis/{kpi_id}/measurements", response={201: MeasurementOut, **WRITE_ERRORS},
             url_name="kpi_measurement_record", summary="Record a KPI measurement (post-award manager, leads)")
def kpi_measurement_record(request, reference: str, kpi_id: int, payload: MeasurementIn):
    kpi = _kpi_of(_visible_contract(request, reference), kpi_id)
    row = performance.measurement_record(actor=request.user, kpi=kpi, measured_on=payload.measured_on,
                                         value=payload.value, note=payload.note)
    return Status(201, _measurement(row))


@router.post("/{reference}/invoices", response={201: InvoiceOut, **WRITE_ERRORS}, url_name="invoice_record",
             summary="Record a received invoice (post-award manager, leads)")
def invoice_record(request, reference: str, payload: InvoiceIn):
    contract = _visible_contract(request, reference)
    milestone = None
    if payload.milestone_id is not None:
        milestone = Milestone.objects.filter(contract=contract, pk=payload.milestone_id).first()
        if milestone is None:
            raise ValidationError({"milestone_id": "This contract has no milestone with this id."})
    invoice = payments.invoice_record(actor=request.user, contract=contract, number=payload.number,
                                      amount=payload.amount, received_on=payload.received_on, milestone=milestone,
                                      period_start=payload.period_start, period_end=payload.period_end)
    return Status(201, invoice)


