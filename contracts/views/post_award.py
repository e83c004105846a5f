"""Post-award pages: milestones, payments, change orders, KPIs (and the performance page), check-ins,
incidents and the exit runbook. Fetch-and-authorize, call one service, answer with the page (409s come from
the kernel's InvalidTransition handler)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from contracts import checkins, selectors, services
from contracts.charts import kpi_trend_svg
from contracts.forms import post_award as pforms
from contracts.models import ChangeOrder, ExitStep, Incident, Invoice, Kpi, Milestone
from contracts.policies import contract_policy
from contracts.views.negotiation import _child, _contract, _form_page, _run


def _page(request, contract, form, call, *, success, anchor, title, submit, intro="", extra=None):
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, call, success=success, contract=contract, anchor=anchor)
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title=title, submit=submit, intro=intro, extra=extra,
                      status=400 if request.method == "POST" else 200)


# --- milestones ----------------------------------------------------------------------------------------------
@login_required
def milestone_plan(request, reference, pk):
    contract = _contract(request, reference, "manage")
    milestone = _child(Milestone, contract, pk)
    initial = {name: getattr(milestone, name) for name in pforms.MilestonePlanForm.base_fields}
    form = pforms.MilestonePlanForm(request.POST or None, initial=initial)
    return _page(request, contract, form, lambda d: services.milestone_plan(actor=request.user, milestone=milestone,
                                                                            **d),
                 success="Milestone saved.", anchor="milestones", title=f"Milestone: {milestone}", submit="Save")


@login_required
def milestone_deliver(request, reference, pk):
    contract = _contract(request, reference, "manage")
    milestone = _child(Milestone, contract, pk)
    form = pforms.DeliverForm(request.POST or None, initial={"delivered_on": timezone.localdate()})
    return _page(request, contract, form, lambda d: services.milestone_deliver(
        actor=request.user, milestone=milestone, delivered_on=d["delivered_on"], reason=d["reason"]),
        success="Delivery recorded.", anchor="milestones", title=f"Record the delivery of “{milestone}”",
        submit="Record delivery")


@login_required
def milestone_decide(request, reference, pk, decision):
    contract = _contract(request, reference, "manage")
    milestone = _child(Milestone, contract, pk)
    if decision not in ("accept", "reject"):
        raise Http404("No such decision.")
    form = pforms.DecideForm(request.POST or None, request.FILES or None)
    accept = decision == "accept"
    intro = (f"Acceptance criteria: {milestone.acceptance_criteria or 'none recorded'}. "
             f"Test: {milestone.test_method or 'none recorded'}.")
    return _page(request, contract, form, lambda d: services.milestone_decide(
        actor=request.user, milestone=milestone, accept=accept, note=d["evidence_note"], upload=d["evidence_file"]),
        success=f"“{milestone}” {'accepted' if accept else 'rejected'}.", anchor="milestones", intro=intro,
        title=f"{'Accept' if accept else 'Reject'} “{milestone}”", submit="Accept" if accept else "Reject")


@login_required
def milestone_evidence(request, reference, pk):
    contract = _contract(request, reference)
    milestone = _child(Milestone, contract, pk)
    try:
        data = services.milestone_evidence_content(actor=request.user, milestone=milestone)
    except services.EvidenceTampered as exc:
        return render(request, "errors/409.html", {"message": str(exc)}, status=409)
    response = HttpResponse(data, content_type=milestone.evidence_content_type or "application/octet-stream")
    safe = "".join(ch for ch in milestone.evidence_name if ch.isalnum() or ch in "._- ") or "evidence"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- payments ------------------------------------------------------------------------------------------------
@login_required
def payment_terms(request, reference):
    contract = _contract(request, reference, "manage")
    initial = {name: getattr(contract, name) for name in pforms.PaymentTermsForm.base_fields}
    form = pforms.PaymentTermsForm(request.POST or None, initial=initial)
    return _page(request, contract, form, lambda d: services.payment_terms_update(actor=request.user,
                                                                                  contract=contract, **d),
                 success="Payment terms saved.", anchor="payments", title="Payment terms", submit="Save")


@login_required
def invoice_add(request, reference):
    contract = _contract(request, reference, "manage")
    form = pforms.InvoiceForm(request.POST or None, contract=contract,
                              initial={"received_on": timezone.localdate()})
    return _page(request, contract, form, lambda d: services.invoice_record(actor=request.user, contract=contract,
                                                                            **d),
                 success="Invoice recorded.", anchor="payments", title="Record an invoice received", submit="Record")


@login_required
def invoice_step(request, reference, pk, step):
    contract = _contract(request, reference, "manage")
    invoice = _child(Invoice, contract, pk)
    if step not in ("approve", "pay"):
        raise Http404("No such step.")
    form = pforms.DateForm(request.POST or None, initial={"on": timezone.localdate()})
    if step == "approve":
        call = lambda d: services.invoice_approve(actor=request.user, invoice=invoice, on=d["on"])  # noqa: E731
    else:
        call = lambda d: services.invoice_pay(actor=request.user, invoice=invoice, paid_on=d["on"])  # noqa: E731
    done = "approved" if step == "approve" else "paid"
    return _page(request, contract, form, call, success=f"Invoice {invoice.number} {done}.",
                 anchor="payments", title=f"{'Approve' if step == 'approve' else 'Record payment of'} invoice "
                                          f"{invoice.number}", submit="Approve" if step == "approve" else "Paid")


# --- change orders -------------------------------------------------------------------------------------------
@login_required
def change_order_add(request, reference):
    contract = _contract(request, reference, "report")
    form = pforms.ChangeOrderForm(request.POST or None)
    return _page(request, contract, form, lambda d: services.change_order_raise(actor=request.user,
                                                                                contract=contract, **d),
                 success="Change order raised.", anchor="change-orders", title="Raise a change order",
                 submit="Raise", intro="The person the RACI marks Accountable for change orders decides it.")


@login_required
def change_order_decide(request, reference, pk):
    contract = _contract(request, reference)
    order = _child(ChangeOrder, contract, pk)
    if not contract_policy.allows(request.user, "approve_change", contract):
        raise PermissionDenied("Only the person the RACI marks Accountable for change orders may decide them.")
    form = pforms.ChangeOrderDecideForm(request.POST or None)
    return _page(request, contract, form, lambda d: services.change_order_decide(
        actor=request.user, change_order=order, approve=d["decision"] == "approve", note=d["note"]),
        success=f"CO-{order.number} decided.", anchor="change-orders", title=f"Decide {order}",
        submit="Record the decision",
        intro=f"{order.description} Cost impact {order.cost_impact} {contract.currency}; schedule "
              f"{order.schedule_impact_days:+d} days.")


# --- KPIs and the performance page -----------------------------------------------------------------------------
@login_required
def kpi_form(request, reference, pk=None):
    contract = _contract(request, reference, "manage")
    kpi = _child(Kpi, contract, pk) if pk else None
    form = pforms.KpiForm(request.POST or None, contract=contract, instance=kpi)
    if kpi:
        call = lambda d: services.kpi_update(actor=request.user, kpi=kpi, **d)  # noqa: E731
    else:
        call = lambda d: services.kpi_add(actor=request.user, contract=contract, **d)  # noqa: E731
    return _page(request, contract, form, call, success="KPI saved.", anchor="kpis",
                 title=f"Edit {kpi}" if kpi else "Track a KPI", submit="Save",
                 intro="Measure with our own instrumentation; rely on the vendor's report only as a recorded "
                       "exception.")


@login_required
def kpis_seed(request, reference):
    contract = _contract(request, reference, "manage")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    created = services.kpis_seed_from_pack(actor=request.user, contract=contract)
    messages.success(request, f"{len(created)} KPI{'s' if len(created) != 1 else ''} added from the pack's "
                              "obligations." if created else "No new KPI: the pack's obligations are already tracked.")
    return redirect(contract.get_absolute_url() + "#kpis")


@login_required
def measurement_add(request, reference, pk):
    contract = _contract(request, reference, "manage")
    kpi = _child(Kpi, contract, pk)
    form = pforms.MeasurementForm(request.POST or None, initial={"measured_on": timezone.localdate()})
    return _page(request, contract, form, lambda d: services.measurement_record(actor=request.user, kpi=kpi, **d),
                 success="Measurement recorded.", anchor="kpis", title=f"Record a measurement of {kpi}",
                 submit="Record", intro=f"Commitment: {kpi.target_text}.")


@login_required
def measurements_import(request, reference):
    contract = _contract(request, reference, "manage")
    form = pforms.MeasurementImportForm(request.POST or None, request.FILES or None)
    names = ", ".join(k.name for k in contract.kpis.all()) or "none yet"
    return _page(request, contract, form, lambda d: services.measurements_import(
        actor=request.user, contract=contract, data=d["file"].read()), success="Measurements imported.",
        anchor="kpis", title="Import measurements from CSV", submit="Import", intro=f"KPIs of this contract: {names}.")


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
    form = pforms.CheckInForm(request.POST or None, team=team, initial={"held_on": timezone.localdate()})
    from contracts.models import CheckIn

    return _page(request, contract, form, lambda d: services.checkin_record(
        actor=request.user, contract=contract, team=team, held_on=d["held_on"], answers=form.answers(),
        actions=d["actions"]), success="Check-in recorded.", anchor="checkins",
        title=f"{CheckIn.Team(team).label} check-in", submit="Record the check-in")


# --- incidents -----------------------------------------------------------------------------------------------
@login_required
def incident_add(request, reference):
    contract = _contract(request, reference, "report")
    form = pforms.IncidentForm(request.POST or None, contract=contract)
    return _page(request, contract, form, lambda d: services.incident_record(actor=request.user, contract=contract,
                                                                             **d),
                 success="Incident recorded.", anchor="incidents", title="Record a vendor incident", submit="Record",
                 intro=f"The contract gives the vendor {contract.incident_notice_hours} hours from detection to "
                       "tell us.")


@login_required
def incident_notified(request, reference, pk):
    contract = _contract(request, reference, "report")
    incident = _child(Incident, contract, pk)
    form = pforms.NotifiedForm(request.POST or None)
    return _page(request, contract, form, lambda d: services.incident_notified(actor=request.user, incident=incident,
                                                                               **d),
                 success="Notification time recorded.", anchor="incidents", title=f"When did the vendor tell us "
                                                                                 f"about “{incident.title}”?",
                 submit="Save")


# --- exit runbook --------------------------------------------------------------------------------------------
@login_required
def exit_start(request, reference):
    from contracts.forms.negotiation import ReasonForm

    contract = _contract(request, reference, "manage")
    form = ReasonForm(request.POST or None)
    return _page(request, contract, form, lambda d: services.exit_start(actor=request.user, contract=contract,
                                                                        reason=d["reason"]),
                 success="Exit started: the runbook lists each step with its owner and date.", anchor="exit",
                 title=f"Start the exit of {contract.reference}", submit="Start the exit",
                 intro="The contract moves to exiting and the exit runbook is created.")


@login_required
def exit_step(request, reference, pk):
    contract = _contract(request, reference, "manage")
    step = _child(ExitStep, contract, pk)
    form = pforms.ExitStepForm(request.POST or None, initial={"owner": step.owner, "due_date": step.due_date,
                                                              "note": step.note})
    return _page(request, contract, form, lambda d: services.exit_step_update(actor=request.user, step=step, **d),
                 success="Exit step saved.", anchor="exit", title=str(step), submit="Save")


@login_required
def exit_step_waive(request, reference, pk):
    from contracts.forms.negotiation import ReasonForm

    contract = _contract(request, reference, "manage")
    step = _child(ExitStep, contract, pk)
    form = ReasonForm(request.POST or None)
    return _page(request, contract, form, lambda d: services.exit_step_waive(actor=request.user, step=step, **d),
                 success="Step waived.", anchor="exit", title=f"Waive “{step}”", submit="Waive")


@login_required
def exit_close(request, reference):
    from contracts.forms.negotiation import ReasonForm

    contract = _contract(request, reference, "manage")
    blockers = services.exit_blockers(contract) if contract.status == "exiting" else []
    if blockers:
        return render(request, "contracts/confirm.html", {"contract": contract, "title": "Close the contract",
                                                          "message": "", "blockers": blockers}, status=409
                      if request.method == "POST" else 200)
    form = ReasonForm(request.POST or None)
    return _page(request, contract, form, lambda d: services.exit_close(actor=request.user, contract=contract,
                                                                        reason=d["reason"]),
                 success=f"{contract.reference} is closed.", anchor="exit", title=f"Close {contract.reference}",
                 submit="Close the contract",
                 intro="Every exit step is done or waived. When no other contract with this vendor is open, the "
                       "vendor is marked exited.")
