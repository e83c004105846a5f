"""Payment terms, invoices (received → approved → paid, or received → disputed → received) and the daily
payment checks."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from contracts.models import Contract, Invoice, Milestone
from contracts.models.contract import PaymentModel
from contracts.notices import managers_of, tell
from contracts.policies import payment_step_refusal
from contracts.services._common import ensure_open, locked, need, require, save, today
from contracts.transitions import INVOICE_TRANSITIONS
from contracts.usage import forecast_spend
from procurement.exceptions import InvalidTransition
from procurement.services import model_update
from procurement.statemachine import ensure_transition

TERM_FIELDS = ("payment_model", "payment_schedule", "payment_terms_days", "spend_cap", "incident_notice_hours")
S = Invoice.Status


@transaction.atomic
def payment_terms_update(*, actor, contract: Contract, reason: str = "Payment terms edited", **changes) -> Contract:
    unknown = set(changes) - set(TERM_FIELDS)
    if unknown:
        raise ValueError(f"payment_terms_update cannot change: {', '.join(sorted(unknown))}")
    contract = locked(contract)
    require(actor, "manage", contract)
    ensure_open(contract)
    return model_update(instance=contract, fields=changes, allowed=TERM_FIELDS, actor=actor, reason=need(reason),
                        check=_check_spend_cap)


def _check_spend_cap(contract: Contract) -> None:
    if contract.payment_model == PaymentModel.USAGE and contract.spend_cap is None:
        raise ValidationError({"spend_cap": "Usage-based pricing needs a spend cap."})


@transaction.atomic
def invoice_record(*, actor, contract: Contract, number: str, amount, received_on: date, milestone=None,
                   period_start: date | None = None, period_end: date | None = None) -> Invoice:
    contract = locked(contract)
    require(actor, "manage", contract)
    ensure_open(contract)
    number = need(number, "number", "Give the invoice number.")
    if received_on and received_on > today():
        raise ValidationError({"received_on": "An invoice cannot be received in the future."})
    if contract.invoices.filter(number__iexact=number).exists():
        raise ValidationError({"number": "This invoice number is already recorded on this contract."})
    return save(Invoice(contract=contract, number=number, amount=amount, received_on=received_on,
                        milestone=milestone, period_start=period_start, period_end=period_end, recorded_by=actor),
                actor=actor, reason=f"Invoice {number} received")


def _locked_invoice(invoice: Invoice) -> Invoice:
    return (Invoice.objects.select_for_update(of=("self",)).select_related("contract", "milestone")
            .get(pk=invoice.pk))


def _segregated(actor, invoice: Invoice, step: str) -> None:
    refusal = payment_step_refusal(actor, invoice, step)
    if refusal:
        raise PermissionDenied(refusal)


@transaction.atomic
def invoice_approve(*, actor, invoice: Invoice, on: date | None = None) -> Invoice:
    """Only the person in the seat the RACI marks Accountable for "Approve payments", never the person who
    recorded the invoice (when the policy segregates payments), and a milestone's invoice only once the milestone
    is accepted."""
    invoice = _locked_invoice(invoice)
    require(actor, "approve_payment", invoice.contract)
    _segregated(actor, invoice, "approve")
    ensure_open(invoice.contract)
    ensure_transition(INVOICE_TRANSITIONS, invoice.status, S.APPROVED, labels=dict(S.choices),
                      subject=f"Invoice {invoice.number}")
    milestone = invoice.milestone
    if milestone is not None and milestone.status != Milestone.Status.ACCEPTED:
        raise InvalidTransition(
            f"Invoice {invoice.number} bills the milestone “{milestone.title}”, which is "
            f"{milestone.get_status_display().lower()}, not accepted; accept the milestone before approving its "
            "invoice.")
    on = on or today()
    if on < invoice.received_on:
        raise ValidationError({"on": "An invoice cannot be approved before it was received."})
    invoice.status, invoice.approved_on, invoice.approved_by = S.APPROVED, on, actor
    return save(invoice, actor=actor, reason=f"Invoice {invoice.number} approved for payment")


@transaction.atomic
def invoice_pay(*, actor, invoice: Invoice, paid_on: date | None = None) -> Invoice:
    invoice = _locked_invoice(invoice)
    require(actor, "manage", invoice.contract)
    ensure_transition(INVOICE_TRANSITIONS, invoice.status, S.PAID, labels=dict(S.choices),
                      subject=f"Invoice {invoice.number}")
    _segregated(actor, invoice, "pay")
    paid_on = paid_on or today()
    if paid_on > today():
        raise ValidationError({"paid_on": "A payment cannot be recorded in the future."})
    if paid_on < invoice.received_on:
        raise ValidationError({"paid_on": "It cannot be paid before it was received."})
    invoice.status, invoice.paid_on = S.PAID, paid_on
    late = invoice.is_late_on(paid_on, invoice.contract.payment_terms_days)
    note = (f" — {invoice.days_to_pay()} days, later than the {invoice.contract.payment_terms_days}-day terms"
            if late else f" — {invoice.days_to_pay()} days")
    return save(invoice, actor=actor, reason=f"Invoice {invoice.number} paid{note}")


@transaction.atomic
def invoice_dispute(*, actor, invoice: Invoice, reason: str) -> Invoice:
    """Dispute a received invoice with a reason (received → disputed): done by whoever may approve invoices on the
    contract, under the same segregation as approval. A disputed invoice is neither approved nor paid; it stays
    open (the payment checks still watch its due date) until the dispute is resolved."""
    invoice = _locked_invoice(invoice)
    require(actor, "approve_payment", invoice.contract)
    _segregated(actor, invoice, "approve")
    ensure_open(invoice.contract)
    reason = need(reason)
    ensure_transition(INVOICE_TRANSITIONS, invoice.status, S.DISPUTED, labels=dict(S.choices),
                      subject=f"Invoice {invoice.number}")
    invoice.status, invoice.dispute_reason = S.DISPUTED, reason
    return save(invoice, actor=actor, reason=f"Invoice {invoice.number} disputed: {reason}")


@transaction.atomic
def invoice_dispute_resolve(*, actor, invoice: Invoice, reason: str) -> Invoice:
    """Resolve a dispute (disputed → received), with a reason: the invoice can then be approved. The dispute's
    reason stays on the invoice and in its history."""
    invoice = _locked_invoice(invoice)
    require(actor, "approve_payment", invoice.contract)
    _segregated(actor, invoice, "approve")
    ensure_open(invoice.contract)
    reason = need(reason)
    ensure_transition(INVOICE_TRANSITIONS, invoice.status, S.RECEIVED, labels=dict(S.choices),
                      subject=f"Invoice {invoice.number}")
    invoice.status = S.RECEIVED
    return save(invoice, actor=actor, reason=f"Invoice {invoice.number} dispute resolved: {reason}")


def usage_spend(contract: Contract) -> dict:
    """Spend to date on a usage-based contract (every invoice received counts, except one under dispute) and the
    run-rate forecast."""
    spend = contract.invoices.exclude(status=S.DISPUTED).aggregate(total=Sum("amount"))["total"] or 0
    return forecast_spend(spend=spend, cap=contract.spend_cap, start=contract.start_date, end=contract.end_date,
                          on=today())


def payments_check(*, on: date | None = None) -> dict[str, int]:
    """Daily: tell the post-award manager about each unpaid invoice past its due date, and each usage-based
    contract whose forecast runs over its cap. Idempotent: the notification key names the invoice (or the
    contract and the month), so a second run the same day creates nothing."""
    on = on or today()
    counts = {"payment_late": 0, "usage_forecast": 0}
    unpaid = (Invoice.objects.exclude(status=S.PAID).exclude(contract__status=Contract.Status.CLOSED)
              .select_related("contract__post_award_manager", "contract__negotiation_lead"))
    for invoice in unpaid:
        contract = invoice.contract
        if not invoice.is_late_on(on, contract.payment_terms_days):
            continue
        due = invoice.due_on(contract.payment_terms_days)
        counts["payment_late"] += tell(
            managers_of(contract), kind="payment_late", key=f"contracts:invoice:{invoice.pk}:late",
            subject=f"{contract.reference}: invoice {invoice.number} is past its payment terms",
            body=(f"Invoice {invoice.number} ({invoice.amount} {contract.currency}) was received on "
                  f"{invoice.received_on:%d %b %Y} and was due by {due:%d %b %Y}."),
            target=contract)
    usage = (Contract.objects.filter(payment_model=PaymentModel.USAGE, spend_cap__isnull=False)
             .exclude(status=Contract.Status.CLOSED)
             .annotate(spend=Sum("invoices__amount", filter=~Q(invoices__status=S.DISPUTED)))
             .select_related("post_award_manager", "negotiation_lead"))
    for contract in usage:
        forecast = forecast_spend(spend=contract.spend or 0, cap=contract.spend_cap, start=contract.start_date,
                                  end=contract.end_date, on=on)
        if not forecast.over_cap:
            continue
        counts["usage_forecast"] += tell(
            managers_of(contract), kind="usage_forecast", key=f"contracts:{contract.pk}:usage:{on:%Y-%m}",
            subject=f"{contract.reference}: usage is forecast to exceed the spend cap",
            body=(f"Spent {forecast.spend} {contract.currency} so far; at this rate the term ends at "
                  f"{forecast.forecast} against a cap of {forecast.cap}."),
            target=contract)
    return counts
