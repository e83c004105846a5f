"""Contract pages: fetch-and-authorize, call one service, answer with the page (409s come from the kernel)."""

from __future__ import annotations

from copy import copy

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from contracts import selectors, services
from contracts.forms import negotiation as forms
from contracts.models import (
    ChecklistItem,
    ClauseFeedback,
    ClausePosition,
    Contract,
    KickoffAction,
    NegotiationIssue,
    Scenario,
)
from contracts.models.planning import RACI_PARTIES
from contracts.ocds.policies import publication_policy
from contracts.policies import contract_policy
from contracts.views.sections import back_to
from procurement import authz
from procurement.listing import paginate_sorted
from procurement.posting import handle_form


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


def _contract(request, reference: str, action: str = "view") -> Contract:
    return authz.get_for_user_or_404(request.user, contract_policy, action=action, reference=reference)


def _child(model, contract: Contract, pk: int, path: str = "contract"):
    return get_object_or_404(selectors.children(model, contract, path), pk=pk)


def contract_form(request, form_class, call, *, contract=None, title, submit, anchor="", success=None, done="",
                  intro="", form_kwargs=None, extra=None, template="contracts/form.html", post_only=False):
    """A contracts form page answered by procurement.posting.handle_form (400 invalid, 409 refused); success
    (and Cancel) go back to the section of the contract page that holds `anchor`, at that anchor."""
    back = back_to(contract, anchor) if contract is not None else ""
    context = {"contract": contract, "title": title, "submit": submit, "intro": intro, "back": back,
               **(extra or {})}
    if success is None:
        success = back
    return handle_form(request, form_class, call, template=template, context=context, success=success, done=done,
                       form_kwargs=form_kwargs, post_only=post_only)


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
        "sees_publication": publication_policy.sees_everything(request.user),
    })


@login_required
def contract_open(request):
    authz.require(request.user, contract_policy, "create")
    memos, chosen = selectors.memos_awaiting_contract(), None
    if request.GET.get("memo"):
        chosen = selectors.memo_awaiting_contract(request.GET["memo"])
    intro = ("A contract is opened from the approved decision memo of an award. Approved memos that have no open "
             "contract yet are listed.")
    if chosen is None and not selectors.memo_awaiting_contract():
        intro = "No approved decision memo is waiting for a contract: a contract opens once its memo is approved."
    return contract_form(  # the service takes the bid, vendor, procedure and value from the approved memo
        request, forms.ContractOpenForm,
        lambda form: services.contract_open(actor=request.user, **form.cleaned_data),
        title="Open a contract", submit="Open the contract", intro=intro, success=lambda contract: contract,
        done=lambda contract: f"{contract.reference} opened. Next: plan the kickoff.",
        form_kwargs={"memos": memos, "initial": {"memo": chosen} if chosen else {}})


@login_required
def contract_edit(request, reference):
    contract = _contract(request, reference, "edit")
    return contract_form(
        request, forms.ContractForm,
        lambda form: services.contract_update(actor=request.user, contract=contract, reason="Terms or team edited",
                                              **{name: form.cleaned_data[name] for name in form.fields}),
        contract=contract, title=f"Edit {contract.reference}", submit="Save", done="Contract updated.",
        form_kwargs={"instance": copy(contract)})


@login_required
def contract_transition(request, reference, target):
    contract = _contract(request, reference, "edit")
    if target not in Contract.Status.values:
        raise Http404("No such status.")
    label = Contract.Status(target).label
    return contract_form(
        request, forms.ReasonForm,
        lambda form: services.contract_transition(actor=request.user, contract=contract, status=target,
                                                  reason=form.cleaned_data["reason"]),
        contract=contract, title=f"Mark {contract.reference} {label.lower()}", submit=f"Confirm: {label}",
        intro="This changes the contract's status for everyone. Please confirm with a reason.",
        done=f"{contract.reference} is now {label.lower()}.")


# --- kickoff --------------------------------------------------------------------------------------------------
@login_required
def kickoff_edit(request, reference):
    contract = _contract(request, reference, "edit")
    kickoff = contract.kickoff
    return contract_form(
        request, forms.KickoffForm,
        lambda form: services.kickoff_update(actor=request.user, kickoff=kickoff, **form.cleaned_data),
        contract=contract, title="Plan the negotiation kickoff", submit="Save", anchor="kickoff",
        done="Kickoff plan saved.",
        form_kwargs={"initial": {name: getattr(kickoff, name) for name in forms.KickoffForm.base_fields}})


@login_required
def kickoff_attendee_add(request, reference):
    contract = _contract(request, reference, "edit")
    return contract_form(
        request, forms.AttendeeForm,
        lambda form: services.kickoff_attendee_add(actor=request.user, kickoff=contract.kickoff, **form.cleaned_data),
        contract=contract, title="Add a kickoff attendee", submit="Add", anchor="kickoff", done="Attendee added.")


@login_required
def kickoff_hold(request, reference):
    contract = _contract(request, reference, "edit")
    return contract_form(
        request, django_forms.Form, lambda form: services.kickoff_hold(actor=request.user, kickoff=contract.kickoff),
        contract=contract, title="Record the kickoff as held", submit="Kickoff held", anchor="kickoff",
        done="Kickoff recorded as held.", template="contracts/confirm.html",
        extra={"message": "The attendance list becomes a record and can no longer change.",
               "blockers": services.hold_blockers(contract.kickoff)})


@login_required
def kickoff_action_add(request, reference):
    contract = _contract(request, reference, "negotiate")
    return contract_form(
        request, forms.ActionForm,
        lambda form: services.kickoff_action_add(actor=request.user, kickoff=contract.kickoff, **form.cleaned_data),
        contract=contract, title="Record a kickoff action", submit="Add", anchor="kickoff", done="Action recorded.")


@login_required
def kickoff_action_done(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    action = _child(KickoffAction, contract, pk, "kickoff__contract")
    return contract_form(
        request, django_forms.Form,
        lambda form: services.kickoff_action_done(actor=request.user, action=action, done=not action.done),
        contract=contract, title=f"Mark “{action}” {'open' if action.done else 'done'}", submit="Confirm",
        anchor="kickoff", post_only=True)


# --- clauses and feedback ---------------------------------------------------------------------------------------
@login_required
def clause_edit(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    position = _child(ClausePosition, contract, pk)
    vendor_side_only = not contract_policy.allows(request.user, "position", contract)

    def save(form):
        return services.clause_position_update(actor=request.user, position=position, **{
            name: form.cleaned_data[name] for name in form.fields if not form.fields[name].disabled})

    return contract_form(
        request, forms.ClausePositionForm, save, contract=contract, title=f"Clause: {position}", submit="Save",
        anchor=f"clause-{position.pk}", done=f"“{position}” saved.", extra={"position": position},
        form_kwargs={"initial": {name: getattr(position, name) for name in forms.ClausePositionForm.base_fields},
                     "vendor_side_only": vendor_side_only})


@login_required
def clause_status(request, reference, pk, target):
    contract = _contract(request, reference, "negotiate")
    position = _child(ClausePosition, contract, pk)
    if target not in ClausePosition.Status.values:
        raise Http404("No such status.")
    label = ClausePosition.Status(target).label

    def move(form):
        d = form.cleaned_data
        return services.clause_set_status(
            actor=request.user, position=position, status=target, reason=d.get("reason", ""),
            agreed_summary=d.get("agreed_summary"), beyond_walk_away=d.get("beyond_walk_away", False),
            override_reason=d.get("override_reason", ""))

    return contract_form(
        request, forms.ClauseStatusForm, move, contract=contract, title=f"Mark “{position}” {label.lower()}",
        submit=f"Confirm: {label}", anchor=f"clause-{position.pk}", done=f"“{position}” is now {label.lower()}.",
        extra={"position": position},
        form_kwargs={"target": target, "initial": {"agreed_summary": position.agreed_summary}})


@login_required
def feedback_add(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    position = _child(ClausePosition, contract, pk)
    return contract_form(
        request, forms.FeedbackForm,
        lambda form: services.feedback_add(actor=request.user, position=position, **form.cleaned_data),
        contract=contract, title=f"Feedback on “{position}”", submit="Send feedback",
        anchor=f"clause-{position.pk}", done="Feedback recorded.", extra={"position": position})


@login_required
def feedback_respond(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    feedback = _child(ClauseFeedback, contract, pk, "position__contract")
    return contract_form(
        request, forms.FeedbackResponseForm,
        lambda form: services.feedback_respond(actor=request.user, feedback=feedback, **form.cleaned_data),
        contract=contract, title="Answer feedback", submit="Answer", intro=feedback.body,
        anchor=f"clause-{feedback.position_id}", done="Feedback answered.")


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

    def save(form):
        if scenario:
            return services.scenario_update(actor=request.user, scenario=scenario, **form.cleaned_data)
        return services.scenario_create(actor=request.user, contract=contract, **form.cleaned_data)

    return contract_form(
        request, forms.ScenarioForm, save, contract=contract, submit="Save", anchor="scenarios",
        title="Edit the scenario" if scenario else "Add a scenario", done="Scenario saved.",
        form_kwargs={"contract": contract, "initial": initial})


@login_required
def raci_edit(request, reference):
    contract = _contract(request, reference, "edit")
    return contract_form(
        request, forms.RaciGridForm,
        lambda form: services.raci_save(actor=request.user, contract=contract, grid=form.grid()),
        contract=contract, title="RACI matrix", submit="Save", anchor="raci", done="RACI matrix saved.",
        template="contracts/raci_form.html", extra={"parties": RACI_PARTIES},
        form_kwargs={"activities": selectors.raci_activities(contract)})


@login_required
def raci_activity_add(request, reference):
    contract = _contract(request, reference, "edit")
    return contract_form(
        request, forms.RaciActivityForm,
        lambda form: services.raci_activity_add(actor=request.user, contract=contract, **form.cleaned_data),
        contract=contract, title="Add a RACI activity", submit="Add", anchor="raci", done="Activity added.")


@login_required
def issue_add(request, reference):
    contract = _contract(request, reference, "negotiate")
    return contract_form(
        request, forms.IssueForm,
        lambda form: services.issue_create(actor=request.user, contract=contract, **form.cleaned_data),
        contract=contract, title="Log a negotiation issue", submit="Log", anchor="issues", done="Issue logged.")


@login_required
def issue_resolve(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    issue = _child(NegotiationIssue, contract, pk)
    return contract_form(
        request, forms.IssueResolveForm,
        lambda form: services.issue_resolve(actor=request.user, issue=issue, **form.cleaned_data),
        contract=contract, title=f"Resolve “{issue}”", submit="Resolve", anchor="issues", done="Issue resolved.")


@login_required
def milestone_add(request, reference):
    contract = _contract(request, reference, "edit")
    return contract_form(
        request, forms.MilestoneForm,
        lambda form: services.milestone_add(actor=request.user, contract=contract, **form.cleaned_data),
        contract=contract, title="Add a milestone or payment", submit="Add", anchor="milestones",
        done="Milestone added.")


@login_required
def checklist_item(request, reference, pk):
    contract = _contract(request, reference, "negotiate")
    item = _child(ChecklistItem, contract, pk)
    return contract_form(
        request, forms.ChecklistItemForm,
        lambda form: services.checklist_item_update(actor=request.user, item=item, **form.cleaned_data),
        contract=contract, title=str(item), submit="Save", anchor="checklist", done="Checklist updated.",
        form_kwargs={"initial": {"owner": item.owner, "done_on": item.done_on}})


@login_required
def checklist_waive(request, reference, pk):
    contract = _contract(request, reference, "decide")
    item = _child(ChecklistItem, contract, pk)
    return contract_form(
        request, forms.ReasonForm,
        lambda form: services.checklist_item_waive(actor=request.user, item=item, **form.cleaned_data),
        contract=contract, title=f"Waive “{item}”", submit="Waive", anchor="checklist", done="Item waived.",
        intro="A waived item no longer blocks activation. Say why it is not needed.")


# --- handoff pack ---------------------------------------------------------------------------------------------
@login_required
def pack_request(request, reference):
    contract = _contract(request, reference, "request_pack")
    return contract_form(
        request, django_forms.Form, lambda form: services.pack_request(actor=request.user, contract=contract),
        contract=contract, title="Render the handoff pack", submit="Render", anchor="pack",
        done="The handoff pack is being rendered.", post_only=True)


@login_required
def pack_download(request, reference):
    """The latest rendered pack of this contract, served by the documents pipeline (permission and sha256)."""
    from procurement.documents.views import document_download

    contract = _contract(request, reference)
    doc = selectors.latest_ready_pack(contract)
    if doc is None:
        raise Http404("No handoff pack has been rendered yet.")
    return document_download(request, doc.pk)


@login_required
def pack_acknowledge(request, reference):
    contract = _contract(request, reference, "acknowledge_pack")
    state = selectors.pack_state(contract)
    doc = state["doc"]
    if request.method == "POST" and doc is None:
        raise Http404("No handoff pack has been rendered yet.")
    return contract_form(
        request, django_forms.Form,
        lambda form: services.pack_acknowledge(actor=request.user, contract=contract, document=doc),
        contract=contract, title="Acknowledge receipt of the handoff pack", submit="I have received it",
        anchor="pack", template="contracts/confirm.html",
        done=f"Receipt of handoff pack version {doc.version} acknowledged." if doc else "",
        extra={"message": (f"You confirm you received version {doc.version} (sha256 {doc.sha256}) and will run "
                           "the contract from it.") if doc else "No pack has been rendered yet.",
               "blockers": [] if state["can_acknowledge"] else ["Render the current version of the pack first."]})
