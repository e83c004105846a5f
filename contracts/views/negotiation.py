"""Contract pages: fetch-and-authorize, call one service, answer with the page (409s come from the kernel)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from awards.models import DecisionMemo
from contracts import selectors, services
from contracts.forms import negotiation as forms
from contracts.handoff import KIND
from contracts.models import (
    CheckIn,
    ChecklistItem,
    ClauseFeedback,
    ClausePosition,
    Contract,
    KickoffAction,
    NegotiationIssue,
    Scenario,
)
from contracts.models.planning import RACI_PARTIES
from contracts.policies import contract_policy
from contracts.transitions import CLAUSE_TRANSITIONS, CONTRACT_TRANSITIONS
from procurement import authz
from procurement.documents.models import RenderedDocument
from procurement.listing import paginate_sorted


def alerts_context(contract, user) -> dict:
    from contracts.alerts import alerts_for

    return {"alerts": alerts_for([contract], on=timezone.localdate(), user=user)[contract.pk]}


def accountable_label(contract) -> str:
    from contracts.playbook import CHANGE_ORDER_ACTIVITY
    from contracts.policies import accountable_seat

    seat = accountable_seat(contract, CHANGE_ORDER_ACTIVITY)
    return dict(RACI_PARTIES).get(seat, "nobody (set an Accountable in the RACI)") if seat else \
        "nobody (set an Accountable in the RACI)"

LIST_COLUMNS = [("reference", "Reference", True), ("title", "Title", True), ("vendor", "Vendor", True),
                ("status", "Status", True), ("manager", "Post-award manager", False), ("value", "Value", True)]
SORT_FIELDS = {"reference": "reference", "title": "title", "vendor": "vendor__legal_name", "status": "status",
               "value": "value"}


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _contract(request, reference: str, action: str = "view") -> Contract:
    return authz.get_for_user_or_404(request.user, contract_policy, action=action, reference=reference)


def _child(model, contract: Contract, pk: int, path: str = "contract"):
    return get_object_or_404(model, pk=pk, **{path: contract})


def _form_page(request, *, contract=None, form, title, submit, intro="", extra=None, status=200,
               template="contracts/form.html"):
    context = {"contract": contract, "form": form, "title": title, "submit": submit, "intro": intro,
               **(extra or {})}
    return render(request, template, context, status=status)


def _run(request, form, call, *, success: str, contract: Contract, anchor: str = ""):
    """Call the service with the form's data; errors go back next to the fields, nothing half-saved."""
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        _attach(form, exc)
        return None
    messages.success(request, success)
    return redirect(contract.get_absolute_url() + (f"#{anchor}" if anchor else ""))


# --- list and open --------------------------------------------------------------------------------------------
@login_required
def contract_list(request):
    filters = forms.ContractFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    queryset = selectors.contract_list(request.user, **{k: v for k, v in params.items() if v})
    listing = paginate_sorted(request, queryset, sort_fields=SORT_FIELDS, default_sort="-reference")
    return render(request, "contracts/contract_list.html", {
        **listing, "filters": filters, "columns": LIST_COLUMNS, "row_template": "contracts/_contract_row.html",
        "can_open": contract_policy.allows(request.user, "create"),
    })


@login_required
def contract_open(request):
    authz.require(request.user, contract_policy, "create")
    open_bids = Contract.objects.exclude(status=Contract.Status.CLOSED).values("bid_id")
    memos = (DecisionMemo.objects.filter(status=DecisionMemo.Status.APPROVED, recommended_bid__isnull=False)
             .exclude(recommended_bid_id__in=open_bids)
             .select_related("procedure", "recommended_bid__vendor").order_by("-approved_at", "-pk"))
    reference = request.GET.get("memo", "")
    initial = {"memo": memos.filter(procedure__reference=reference).first()} if reference else {}
    form = forms.ContractOpenForm(request.POST or None, memos=memos, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:  # the service takes the bid, vendor, procedure and value from the approved memo
            contract = services.contract_open(actor=request.user, **data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, f"{contract.reference} opened. Next: plan the kickoff.")
            return redirect(contract)
    intro = ("A contract is opened from the approved decision memo of an award. Approved memos that have no open "
             "contract yet are listed.")
    if not memos.exists():
        intro = "No approved decision memo is waiting for a contract: a contract opens once its memo is approved."
    return _form_page(request, form=form, title="Open a contract", submit="Open the contract", intro=intro)


# --- the contract page ----------------------------------------------------------------------------------------
@login_required
def contract_detail(request, reference):
    contract = _contract(request, reference)
    contract = selectors.contract_page_queryset().get(pk=contract.pk)
    user = request.user
    parties = [key for key, _ in RACI_PARTIES]
    raci_rows = [(a, [{c.party: c.code for c in a.assignments.all()}.get(p, "") for p in parties])
                 for a in contract.raci_activities.all()]
    clauses = list(contract.clauses.all())
    for clause in clauses:
        clause.open_feedback = [f for f in clause.feedback.all() if not f.resolved]
        clause.next_states = sorted(CLAUSE_TRANSITIONS.get(clause.status, ()))
    kickoff = getattr(contract, "kickoff", None)
    today = timezone.localdate()
    milestones = list(contract.milestones.all())
    for m in milestones:
        m.state, m.state_label = m.state_on(today), m.state_label_on(today)
    invoices = list(contract.invoices.all())
    for inv in invoices:
        inv.due, inv.late = inv.due_on(contract.payment_terms_days), inv.is_late_on(today, contract.payment_terms_days)
    incidents = list(contract.incidents.all())
    now = timezone.now()
    for incident in incidents:
        incident.late = incident.notified_late(now)
    return render(request, "contracts/contract_detail.html", {
        **alerts_context(contract, user),
        "post_award": {
            "milestones": milestones, "invoices": invoices, "change_orders": list(contract.change_orders.all()),
            "kpis": list(contract.kpis.all()), "checkins": list(contract.checkins.all()), "incidents": incidents,
            "exit_steps": list(contract.exit_steps.all()), "teams": CheckIn.Team.choices,
            "usage": services.usage_spend(contract) if contract.payment_model == "usage" else None,
            "can_manage": contract_policy.allows(user, "manage", contract),
            "can_report": contract_policy.allows(user, "report", contract),
            "can_approve_change": contract_policy.allows(user, "approve_change", contract),
            "approver_seat": accountable_label(contract),
        },
        "contract": contract, "kickoff": kickoff, "clauses": clauses,
        "hold_blockers": services.hold_blockers(kickoff) if kickoff and not kickoff.is_held else [],
        "scenarios": list(contract.scenarios.all()), "raci_parties": RACI_PARTIES, "raci_rows": raci_rows,
        "issues": list(contract.issues.all()), "checklist": list(contract.checklist.all()),
        "milestones": milestones,
        "next_states": [(s, Contract.Status(s).label) for s in sorted(CONTRACT_TRANSITIONS[contract.status])],
        "pack": selectors.pack_state(contract), "pack_kind": KIND,
        "can_edit": contract_policy.allows(user, "edit", contract),
        "can_decide": contract_policy.allows(user, "decide", contract),
        "can_negotiate": contract_policy.allows(user, "negotiate", contract),
        "can_acknowledge": contract_policy.allows(user, "acknowledge_pack", contract),
        "clause_status_labels": dict(ClausePosition.Status.choices),
    })


@login_required
def contract_edit(request, reference):
    contract = _contract(request, reference, "edit")
    form = forms.ContractForm(request.POST or None, instance=Contract.objects.get(pk=contract.pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        done = _run(request, form, lambda d: services.contract_update(actor=request.user, contract=contract,
                                                                      reason="Terms or team edited", **changes),
                    success="Contract updated.", contract=contract)
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title=f"Edit {contract.reference}", submit="Save")


@login_required
def contract_transition(request, reference, target):
    contract = _contract(request, reference, "edit")
    if target not in Contract.Status.values:
        raise Http404("No such status.")
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.contract_transition(
            actor=request.user, contract=contract, status=target, reason=d["reason"]),
            success=f"{contract.reference} is now {Contract.Status(target).label.lower()}.", contract=contract)
        if done:
            return done
    return _form_page(request, contract=contract, form=form, submit=f"Confirm: {Contract.Status(target).label}",
                      title=f"Mark {contract.reference} {Contract.Status(target).label.lower()}",
                      intro="This changes the contract's status for everyone. Please confirm with a reason.")


# --- kickoff --------------------------------------------------------------------------------------------------
@login_required
def kickoff_edit(request, reference):
    contract = _contract(request, reference, "edit")
    kickoff = contract.kickoff
    initial = {name: getattr(kickoff, name) for name in forms.KickoffForm.base_fields}
    form = forms.KickoffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.kickoff_update(actor=request.user, kickoff=kickoff, **d),
                    success="Kickoff plan saved.", contract=contract, anchor="kickoff")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title="Plan the negotiation kickoff", submit="Save")


@login_required
def kickoff_attendee_add(request, reference):
    contract = _contract(request, reference, "edit")
    form = forms.AttendeeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.kickoff_attendee_add(
            actor=request.user, kickoff=contract.kickoff, **d), success="Attendee added.", contract=contract,
            anchor="kickoff")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title="Add a kickoff attendee", submit="Add")


@login_required
def kickoff_hold(request, reference):
    contract = _contract(request, reference, "edit")
    if request.method == "POST":
        services.kickoff_hold(actor=request.user, kickoff=contract.kickoff)
        messages.success(request, "Kickoff recorded as held.")
        return redirect(contract.get_absolute_url() + "#kickoff")
    return render(request, "contracts/confirm.html", {
        "contract": contract, "title": "Record the kickoff as held",
        "message": "The attendance list becomes a record and can no longer change.", "submit": "Kickoff held",
        "blockers": services.hold_blockers(contract.kickoff)})


@login_required
def kickoff_action_add(request, reference):
    contract = _contract(request, reference, "negotiate")
    form = forms.ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.kickoff_action_add(
            actor=request.user, kickoff=contract.kickoff, **d), success="Action recorded.", contract=contract,
            anchor="kickoff")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title="Record a kickoff action", submit="Add")


@login_required
def kickoff_action_done(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    action = _child(KickoffAction, contract, pk, "kickoff__contract")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.kickoff_action_done(actor=request.user, action=action, done=not action.done)
    return redirect(contract.get_absolute_url() + "#kickoff")


# --- clauses and feedback ---------------------------------------------------------------------------------------
@login_required
def clause_edit(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    position = _child(ClausePosition, contract, pk)
    initial = {name: getattr(position, name) for name in forms.ClausePositionForm.base_fields}
    form = forms.ClausePositionForm(request.POST or None, initial=initial)
    if not contract_policy.allows(request.user, "edit", contract):
        for name in form.fields:
            if name != "vendor_position":
                form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields if not form.fields[name].disabled}
        done = _run(request, form, lambda d: services.clause_position_update(
            actor=request.user, position=position, **changes), success=f"“{position}” saved.", contract=contract,
            anchor=f"clause-{position.pk}")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title=f"Clause: {position}", submit="Save",
                      extra={"position": position})


@login_required
def clause_status(request, reference, pk, target):
    contract = _contract(request, reference, "negotiate")
    position = _child(ClausePosition, contract, pk)
    if target not in ClausePosition.Status.values:
        raise Http404("No such status.")
    label = ClausePosition.Status(target).label
    form = forms.ClauseStatusForm(request.POST or None, target=target,
                                  initial={"agreed_summary": position.agreed_summary})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = _run(request, form, lambda _d: services.clause_set_status(
            actor=request.user, position=position, status=target, reason=d.get("reason", ""),
            agreed_summary=d.get("agreed_summary"), beyond_walk_away=d.get("beyond_walk_away", False),
            override_reason=d.get("override_reason", "")),
            success=f"“{position}” is now {label.lower()}.", contract=contract, anchor=f"clause-{position.pk}")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title=f"Mark “{position}” {label.lower()}",
                      submit=f"Confirm: {label}", extra={"position": position})


@login_required
def feedback_add(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    position = _child(ClausePosition, contract, pk)
    form = forms.FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.feedback_add(actor=request.user, position=position, **d),
                    success="Feedback recorded.", contract=contract, anchor=f"clause-{position.pk}")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title=f"Feedback on “{position}”",
                      submit="Send feedback", extra={"position": position})


@login_required
def feedback_respond(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    feedback = _child(ClauseFeedback, contract, pk, "position__contract")
    form = forms.FeedbackResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.feedback_respond(actor=request.user, feedback=feedback, **d),
                    success="Feedback answered.", contract=contract, anchor=f"clause-{feedback.position_id}")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title="Answer feedback", submit="Answer",
                      intro=feedback.body)


# --- scenarios, RACI, issues, milestones, checklist ---------------------------------------------------------------
@login_required
def scenario_form(request, reference, pk=None):
    contract = _contract(request, reference, "negotiate")
    scenario = _child(Scenario, contract, pk) if pk else None
    initial = {}
    if scenario:
        initial = {name: getattr(scenario, name) for name in ("kind", "description", "likelihood", "impact",
                                                               "contingency")}
        initial["clauses"] = list(scenario.clauses.all())
    form = forms.ScenarioForm(request.POST or None, contract=contract, initial=initial)
    if request.method == "POST" and form.is_valid():
        if scenario:
            call = lambda d: services.scenario_update(actor=request.user, scenario=scenario, **d)  # noqa: E731
        else:
            call = lambda d: services.scenario_create(actor=request.user, contract=contract, **d)  # noqa: E731
        done = _run(request, form, call, success="Scenario saved.", contract=contract, anchor="scenarios")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, submit="Save",
                      title="Edit the scenario" if scenario else "Add a scenario")


@login_required
def raci_edit(request, reference):
    contract = _contract(request, reference, "edit")
    activities = list(contract.raci_activities.prefetch_related("assignments"))
    form = forms.RaciGridForm(request.POST or None, activities=activities)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.raci_save(actor=request.user, contract=contract,
                                                                 grid=form.grid()),
                    success="RACI matrix saved.", contract=contract, anchor="raci")
        if done:
            return done
    return render(request, "contracts/raci_form.html", {"contract": contract, "form": form,
                                                         "parties": RACI_PARTIES})


@login_required
def raci_activity_add(request, reference):
    contract = _contract(request, reference, "edit")
    form = forms.RaciActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.raci_activity_add(actor=request.user, contract=contract, **d),
                    success="Activity added.", contract=contract, anchor="raci")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title="Add a RACI activity", submit="Add")


@login_required
def issue_add(request, reference):
    contract = _contract(request, reference, "negotiate")
    form = forms.IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.issue_create(actor=request.user, contract=contract, **d),
                    success="Issue logged.", contract=contract, anchor="issues")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title="Log a negotiation issue", submit="Log")


@login_required
def issue_resolve(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    issue = _child(NegotiationIssue, contract, pk)
    form = forms.IssueResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.issue_resolve(actor=request.user, issue=issue, **d),
                    success="Issue resolved.", contract=contract, anchor="issues")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title=f"Resolve “{issue}”", submit="Resolve")


@login_required
def milestone_add(request, reference):
    contract = _contract(request, reference, "edit")
    form = forms.MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.milestone_add(actor=request.user, contract=contract, **d),
                    success="Milestone added.", contract=contract, anchor="milestones")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title="Add a milestone or payment", submit="Add")


@login_required
def checklist_item(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    item = _child(ChecklistItem, contract, pk)
    form = forms.ChecklistItemForm(request.POST or None, initial={"owner": item.owner, "done_on": item.done_on})
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.checklist_item_update(actor=request.user, item=item, **d),
                    success="Checklist updated.", contract=contract, anchor="checklist")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title=str(item), submit="Save")


@login_required
def checklist_waive(request, reference, pk):
    contract = _contract(request, reference, "decide")
    item = _child(ChecklistItem, contract, pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, form, lambda d: services.checklist_item_waive(actor=request.user, item=item, **d),
                    success="Item waived.", contract=contract, anchor="checklist")
        if done:
            return done
    return _form_page(request, contract=contract, form=form, title=f"Waive “{item}”", submit="Waive",
                      intro="A waived item no longer blocks activation. Say why it is not needed.")


# --- handoff pack ---------------------------------------------------------------------------------------------
@login_required
def pack_request(request, reference):
    contract = _contract(request, reference, "request_pack")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.pack_request(actor=request.user, contract=contract)
    messages.success(request, "The handoff pack is being rendered.")
    return redirect(contract.get_absolute_url() + "#pack")


@login_required
def pack_download(request, reference):
    """The latest rendered pack of this contract, served by the documents pipeline (permission and sha256)."""
    from procurement.documents.views import document_download

    contract = _contract(request, reference)
    doc = (RenderedDocument.objects.filter(kind=KIND, object_id=contract.pk,
                                           status=RenderedDocument.Status.READY).order_by("-version").first())
    if doc is None:
        raise Http404("No handoff pack has been rendered yet.")
    return document_download(request, doc.pk)


@login_required
def pack_acknowledge(request, reference):
    contract = _contract(request, reference, "acknowledge_pack")
    state = selectors.pack_state(contract)
    doc = state["doc"]
    if request.method == "POST":
        if doc is None:
            raise Http404("No handoff pack has been rendered yet.")
        services.pack_acknowledge(actor=request.user, contract=contract, document=doc)
        messages.success(request, f"Receipt of handoff pack version {doc.version} acknowledged.")
        return redirect(contract.get_absolute_url() + "#pack")
    return render(request, "contracts/confirm.html", {
        "contract": contract, "title": "Acknowledge receipt of the handoff pack", "submit": "I have received it",
        "message": (f"You confirm you received version {doc.version} (sha256 {doc.sha256}) and will run the "
                    "contract from it.") if doc else "No pack has been rendered yet.",
        "blockers": [] if state["can_acknowledge"] else ["Render the current version of the pack first."]})
