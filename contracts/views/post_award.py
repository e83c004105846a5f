"""Post-award pages: milestones, payments, change orders, KPIs (and the performance page), check-ins,
incidents and the exit runbook. Fetch-and-authorize, call one service, answer with the page: every form post goes
through procurement.posting.handle_form (400 for a bad form, 409 for a refusal)."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from contracts import checkins, selectors, services
from contracts.charts import kpi_trend_svg
from contracts.forms import post_award as pforms
from contracts.forms.negotiation import ReasonForm
from contracts.models import ChangeOrder, CheckIn, ExitStep, Incident, Invoice, Kpi, Milestone
from contracts.policies import contract_policy
from contracts.views.negotiation import _child, _contract, contract_form
from procurement.uploads import attachment_response


# --- milestones ----------------------------------------------------------------------------------------------
@login_required
def milestone_plan(request, reference, pk):
    contract = _contract(request, reference, "manage")
    milestone = _child(Milestone, contract, pk)
    return contract_form(
        request, pforms.MilestonePlanForm,
        lambda form: services.milestone_plan(actor=request.user, milestone=milestone, **form.cleaned_data),
        contract=contract, anchor="milestones", title=f"Milestone: {milestone}", submit="Save",
        done="Milestone saved.",
        form_kwargs={"initial": {name: getattr(milestone, name) for name in pforms.MilestonePlanForm.base_fields}})


@login_required
def milestone_deliver(request, reference, pk):
    contract = _contract(request, reference, "manage")
    milestone = _child(Milestone, contract, pk)
    return contract_form(
        request, pforms.DeliverForm,
        lambda form: services.milestone_deliver(actor=request.user, milestone=milestone,
                                                delivered_on=form.cleaned_data["delivered_on"],
                                                reason=form.cleaned_data["reason"]),
        contract=contract, anchor="milestones", title=f"Record the delivery of “{milestone}”",
        submit="Record delivery", done="Delivery recorded.",
        form_kwargs={"initial": {"delivered_on": timezone.localdate()}})


@login_required
def milestone_decide(request, reference, pk, decision):
    contract = _contract(request, reference, "manage")
    milestone = _child(Milestone, contract, pk)
    if decision not in ("accept", "reject"):
        raise Http404("No such decision.")
    accept = decision == "accept"
    return contract_form(
        request, pforms.DecideForm,
        lambda form: services.milestone_decide(actor=request.user, milestone=milestone, accept=accept,
                                               note=form.cleaned_data["evidence_note"],
                                               upload=form.cleaned_data["evidence_file"]),
        contract=contract, anchor="milestones", title=f"{'Accept' if accept else 'Reject'} “{milestone}”",
        submit="Accept" if accept else "Reject", done=f"“{milestone}” {'accepted' if accept else 'rejected'}.",
        intro=f"Acceptance criteria: {milestone.acceptance_criteria or 'none recorded'}. "
              f"Test: {milestone.test_method or 'none recorded'}.")


@login_required
def milestone_evidence(request, reference, pk):
    contract = _contract(request, reference)
    milestone = _child(Milestone, contract, pk)
    try:
        handle = services.milestone_evidence_file(actor=request.user, milestone=milestone)
    except services.EvidenceTampered as exc:
        return render(request, "errors/409.html", {"message": str(exc)}, status=409)
    safe = "".join(ch for ch in milestone.evidence_name if ch.isalnum() or ch in "._- ") or "evidence"
    return attachment_response(handle, filename=safe, content_type=milestone.evidence_content_type,
                               sha256=milestone.evidence_sha256)


# --- payments ------------------------------------------------------------------------------------------------
@login_required
def payment_terms(request, reference):
    contract = _contract(request, reference, "manage")
    return contract_form(
        request, pforms.PaymentTermsForm,
        lambda form: services.payment_terms_update(actor=request.user, contract=contract, **form.cleaned_data),
        contract=contract, anchor="payments", title="Payment terms", submit="Save", done="Payment terms saved.",
        form_kwargs={"initial": {name: getattr(contract, name) for name in pforms.PaymentTermsForm.base_fields}})


@login_required
def invoice_add(request, reference):
    contract = _contract(request, reference, "manage")
    return contract_form(
        request, pforms.InvoiceForm,
        lambda form: services.invoice_record(actor=request.user, contract=contract, **form.cleaned_data),
        contract=contract, anchor="payments", title="Record an invoice received", submit="Record",
        done="Invoice recorded.", form_kwargs={"contract": contract, "initial": {"received_on": timezone.localdate()}})


@login_required
def invoice_step(request, reference, pk, step):
    if step not in ("approve", "pay"):
        raise Http404("No such step.")
    approve = step == "approve"
    # approving is the RACI's Accountable seat for "Approve payments"; recording the payment is the manager's
    contract = _contract(request, reference, "approve_payment" if approve else "manage")
    invoice = _child(Invoice, contract, pk)

    def record(form):
        if approve:
            return services.invoice_approve(actor=request.user, invoice=invoice, on=form.cleaned_data["on"])
        return services.invoice_pay(actor=request.user, invoice=invoice, paid_on=form.cleaned_data["on"])

    return contract_form(
        request, pforms.DateForm, record, contract=contract, anchor="payments",
        title=f"{'Approve' if approve else 'Record payment of'} invoice {invoice.number}",
        submit="Approve" if approve else "Paid", done=f"Invoice {invoice.number} {'approved' if approve else 'paid'}.",
        form_kwargs={"initial": {"on": timezone.localdate()}})


# --- change orders -------------------------------------------------------------------------------------------
@login_required
def change_order_add(request, reference):
    contract = _contract(request, reference, "report")
    return contract_form(
        request, pforms.ChangeOrderForm,
        lambda form: services.change_order_raise(actor=request.user, contract=contract, **form.cleaned_data),
        contract=contract, anchor="change-orders", title="Raise a change order", submit="Raise",
        done="Change order raised.",
        intro="The person the RACI marks Accountable for change orders decides it.")


@login_required
def change_order_decide(request, reference, pk):
    contract = _contract(request, reference)
    order = _child(ChangeOrder, contract, pk)
    if not contract_policy.allows(request.user, "approve_change", contract):
        raise PermissionDenied("Only the person the RACI marks Accountable for change orders may decide them.")
    return contract_form(
        request, pforms.ChangeOrderDecideForm,
        lambda form: services.change_order_decide(actor=request.user, change_order=order,
                                                  approve=form.cleaned_data["decision"] == "approve",
                                                  note=form.cleaned_data["note"]),
        contract=contract, anchor="change-orders", title=f"Decide {order}", submit="Record the decision",
        done=f"CO-{order.number} decided.",
        intro=f"{order.description} Cost impact {order.cost_impact} {contract.currency}; schedule "
              f"{order.schedule_impact_days:+d} days.")


# --- KPIs and the performance page -----------------------------------------------------------------------------
@login_required
def kpi_form(request, reference, pk=None):
    contract = _contract(request, reference, "manage")
    kpi = _child(Kpi, contract, pk) if pk else None

    def save(form):
        if kpi:
            return services.kpi_update(actor=request.user, kpi=kpi, **form.cleaned_data)
        return services.kpi_add(actor=request.user, contract=contract, **form.cleaned_data)

    return contract_form(
        request, pforms.KpiForm, save, contract=contract, anchor="kpis", title=f"Edit {kpi}" if kpi else "Track a KPI",
        submit="Save", done="KPI saved.", form_kwargs={"contract": contract, "instance": kpi},
        intro="Measure with our own instrumentation; rely on the vendor's report only as a recorded exception.")


def _seeded(created) -> str:
    if not created:
        return "No new KPI: the pack's obligations are already tracked."
    return f"{len(created)} KPI{'s' if len(created) != 1 else ''} added from the pack's obligations."


@login_required
def kpis_seed(request, reference):
    contract = _contract(request, reference, "manage")
    return contract_form(
        request, django_forms.Form,
        lambda form: services.kpis_seed_from_pack(actor=request.user, contract=contract),
        contract=contract, anchor="kpis", title="Track the pack's obligations as KPIs", submit="Add KPIs",
        done=_seeded, post_only=True)


@login_required
def measurement_add(request, reference, pk):
    contract = _contract(request, reference, "manage")
    kpi = _child(Kpi, contract, pk)
    return contract_form(
        request, pforms.MeasurementForm,
        lambda form: services.measurement_record(actor=request.user, kpi=kpi, **form.cleaned_data),
        contract=contract, anchor="kpis", title=f"Record a measurement of {kpi}", submit="Record",
        done="Measurement recorded.", intro=f"Commitment: {kpi.target_text}.",
        form_kwargs={"initial": {"measured_on": timezone.localdate()}})


@login_required
def measurements_import(request, reference):
    contract = _contract(request, reference, "manage")
    return contract_form(
        request, pforms.MeasurementImportForm,
        lambda form: services.measurements_import(actor=request.user, contract=contract,
                                                  data=form.cleaned_data["file"].read()),
        contract=contract, anchor="kpis", title="Import measurements from CSV", submit="Import",
        done="Measurements imported.", intro=f"KPIs of this contract: {selectors.kpi_names(contract)}.")


@login_required
def performance(request, reference):
    contract = _contract(request, reference)
    kpis = selectors.performance_kpis(contract)
    for kpi in kpis:
        rows = list(kpi.measurements.all())
        kpi.rows = rows
        kpi.chart = kpi_trend_svg(name=kpi.name, unit=kpi.unit, threshold=kpi.threshold,
                                  direction_label=kpi.get_direction_display().lower(),
                                  points=[(m.measured_on, m.value, m.breach) for m in rows])
        kpi.breaches = sum(1 for m in rows if m.breach)
    return render(request, "contracts/performance.html", {
        "contract": contract, "kpis": kpis, "can_manage": contract_policy.allows(request.user, "manage", contract)})


# --- check-ins -----------------------------------------------------------------------------------------------
@login_required
def checkin_add(request, reference, team):
    contract = _contract(request, reference, "manage")
    if team not in checkins.TEMPLATES:
        raise Http404("No such team.")
    return contract_form(
        request, pforms.CheckInForm,
        lambda form: services.checkin_record(actor=request.user, contract=contract, team=team,
                                             held_on=form.cleaned_data["held_on"], answers=form.answers(),
                                             actions=form.cleaned_data["actions"]),
        contract=contract, anchor="checkins", title=f"{CheckIn.Team(team).label} check-in",
        submit="Record the check-in", done="Check-in recorded.",
        form_kwargs={"team": team, "contract": contract, "initial": {"held_on": timezone.localdate()}})


# --- incidents -----------------------------------------------------------------------------------------------
@login_required
def incident_add(request, reference):
    contract = _contract(request, reference, "report")
    return contract_form(
        request, pforms.IncidentForm,
        lambda form: services.incident_record(actor=request.user, contract=contract, **form.cleaned_data),
        contract=contract, anchor="incidents", title="Record a vendor incident", submit="Record",
        done="Incident recorded.", form_kwargs={"contract": contract},
        intro=f"The contract gives the vendor {contract.incident_notice_hours} hours from detection to tell us.")


@login_required
def incident_notified(request, reference, pk):
    contract = _contract(request, reference, "report")
    incident = _child(Incident, contract, pk)
    return contract_form(
        request, pforms.NotifiedForm,
        lambda form: services.incident_notified(actor=request.user, incident=incident, **form.cleaned_data),
        contract=contract, anchor="incidents", title=f"When did the vendor tell us about “{incident.title}”?",
        submit="Save", done="Notification time recorded.")


# --- exit runbook --------------------------------------------------------------------------------------------
@login_required
def exit_runbook(request, reference):
    """Write the exit runbook (before activation, or to keep it current while the contract is live)."""
    from contracts.models import ExitRunbook
    from contracts.services.exit import runbook_steps

    contract = _contract(request, reference, "manage")
    runbook = ExitRunbook.objects.filter(contract=contract).first()
    steps = {s.key: s for s in contract.exit_steps.select_related("owner")}
    initial = {name: getattr(runbook, name) for name in pforms.ExitRunbookForm.base_fields} if runbook else {}
    default_owner = contract.post_award_manager or contract.negotiation_lead
    for key, _label, _days in runbook_steps(contract):
        step = steps.get(key)
        initial[f"owner_{key}"] = step.owner if step and step.owner else default_owner
        initial[f"days_{key}"] = step.days_after_start if step else None
    return contract_form(
        request, pforms.ExitRunbookForm,
        lambda form: services.exit_runbook_write(actor=request.user, contract=contract, **form.service_kwargs()),
        contract=contract, anchor="exit", title=f"Exit runbook of {contract.reference}", submit="Save the runbook",
        done="Exit runbook saved.", form_kwargs={"steps": runbook_steps(contract), "initial": initial},
        intro="How we would leave this vendor, written before the contract goes live: activation is refused "
              "until every part is filled in and every step has an owner. When the exit starts, these steps are "
              "dated from that day.")


@login_required
def exit_start(request, reference):
    contract = _contract(request, reference, "manage")
    return contract_form(
        request, ReasonForm,
        lambda form: services.exit_start(actor=request.user, contract=contract, reason=form.cleaned_data["reason"]),
        contract=contract, anchor="exit", title=f"Start the exit of {contract.reference}", submit="Start the exit",
        done="Exit started: the runbook lists each step with its owner and date.",
        intro="The contract moves to exiting and the runbook written before activation is dated from today.")


@login_required
def exit_step(request, reference, pk):
    contract = _contract(request, reference, "manage")
    step = _child(ExitStep, contract, pk)
    return contract_form(
        request, pforms.ExitStepForm,
        lambda form: services.exit_step_update(actor=request.user, step=step, **form.cleaned_data),
        contract=contract, anchor="exit", title=str(step), submit="Save", done="Exit step saved.",
        form_kwargs={"initial": {"owner": step.owner, "due_date": step.due_date, "note": step.note}})


@login_required
def exit_step_waive(request, reference, pk):
    contract = _contract(request, reference, "manage")
    step = _child(ExitStep, contract, pk)
    return contract_form(
        request, ReasonForm,
        lambda form: services.exit_step_waive(actor=request.user, step=step, **form.cleaned_data),
        contract=contract, anchor="exit", title=f"Waive “{step}”", submit="Waive", done="Step waived.")


@login_required
def exit_close(request, reference):
    contract = _contract(request, reference, "manage")
    blockers = services.exit_blockers(contract) if contract.status == "exiting" else []
    if blockers:  # the steps still open are the refusal's reasons: 409 to a post, the page to a look
        return render(request, "contracts/confirm.html", {"contract": contract, "title": "Close the contract",
                                                          "message": "", "blockers": blockers},
                      status=409 if request.method == "POST" else 200)
    return contract_form(
        request, ReasonForm,
        lambda form: services.exit_close(actor=request.user, contract=contract, reason=form.cleaned_data["reason"]),
        contract=contract, anchor="exit", title=f"Close {contract.reference}", submit="Close the contract",
        done=f"{contract.reference} is closed.",
        intro="Every exit step is done or waived. When no other contract with this vendor is open, the vendor is "
              "marked exited.")
