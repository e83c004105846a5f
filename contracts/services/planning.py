"""Scenarios, the RACI matrix, the issue log, milestones and the transition checklist."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.models import (
    ChecklistItem,
    ClausePosition,
    Contract,
    Milestone,
    NegotiationIssue,
    RaciActivity,
    RaciAssignment,
    Scenario,
)
from contracts.models.planning import RACI_PARTIES
from contracts.raci import grid_problems
from contracts.services._common import delete, ensure_editable, locked, need, require, save
from procurement.exceptions import InvalidTransition

SCENARIO_FIELDS = ("kind", "description", "likelihood", "impact", "contingency")
PARTY_KEYS = tuple(key for key, _ in RACI_PARTIES)


def _clauses_of(contract: Contract, clauses) -> list[ClausePosition]:
    clauses = list(clauses or [])
    foreign = [c for c in clauses if c.contract_id != contract.pk]
    if foreign:
        raise ValidationError({"clauses": "Link only clauses of this contract."})
    return clauses


# --- scenarios ----------------------------------------------------------------------------------------------
@transaction.atomic
def scenario_create(*, actor, contract: Contract, kind: str, likelihood: int, impact: int, description: str = "",
                    contingency: str = "", clauses=()) -> Scenario:
    contract = locked(contract)
    require(actor, "negotiate", contract)
    ensure_editable(contract)
    clauses = _clauses_of(contract, clauses)
    scenario = save(Scenario(contract=contract, kind=kind, likelihood=likelihood, impact=impact,
                             description=description, contingency=contingency), actor=actor,
                    reason="Scenario added")
    if clauses:
        scenario._history_user = actor
        scenario.clauses.set(clauses)
    return scenario


@transaction.atomic
def scenario_update(*, actor, scenario: Scenario, clauses=None, reason: str = "Scenario edited",
                    **changes) -> Scenario:
    unknown = set(changes) - set(SCENARIO_FIELDS)
    if unknown:
        raise ValueError(f"scenario_update cannot change: {', '.join(sorted(unknown))}")
    scenario = Scenario.objects.select_for_update(of=("self",)).select_related("contract").get(pk=scenario.pk)
    require(actor, "negotiate", scenario.contract)
    ensure_editable(scenario.contract)
    for name, value in changes.items():
        setattr(scenario, name, value)
    save(scenario, actor=actor, reason=need(reason))
    if clauses is not None:
        scenario._history_user = actor
        scenario.clauses.set(_clauses_of(scenario.contract, clauses))
    return scenario


# --- RACI ---------------------------------------------------------------------------------------------------
@transaction.atomic
def raci_activity_add(*, actor, contract: Contract, name: str, accountable: str) -> RaciActivity:
    """A new activity starts with its one Accountable party."""
    contract = locked(contract)
    require(actor, "edit", contract)
    name = need(name, "name", "Name the activity.")
    if accountable not in PARTY_KEYS:
        raise ValidationError({"accountable": "Choose who is accountable."})
    if contract.raci_activities.filter(name__iexact=name).exists():
        raise ValidationError({"name": "This activity is already in the matrix."})
    order = (max((a.order for a in contract.raci_activities.all()), default=0)) + 1
    activity = save(RaciActivity(contract=contract, name=name, order=order), actor=actor, reason="RACI activity added")
    save(RaciAssignment(activity=activity, party=accountable, code="A"), actor=actor, reason="RACI activity added")
    return activity


def raci_removal_refusal(activity: RaciActivity) -> str:
    """Why this activity cannot be removed ("" when it can): the matrix is a record once the kickoff is held, and
    the two activities whose Accountable seat the payment and change-order rules read stay."""
    from contracts.playbook import CHANGE_ORDER_ACTIVITY, PAYMENT_APPROVAL_ACTIVITY

    kickoff = getattr(activity.contract, "kickoff", None)
    if kickoff is not None and kickoff.is_held:
        return (f"The kickoff of {activity.contract.reference} has been held; the RACI matrix agreed there is a "
                f"record, so “{activity.name}” stays. Change its cells in the matrix instead.")
    if activity.name in (CHANGE_ORDER_ACTIVITY, PAYMENT_APPROVAL_ACTIVITY):
        return (f"“{activity.name}” names who decides change orders and approves payments on this contract; it "
                "cannot be removed. Change its Accountable party in the matrix instead.")
    return ""


@transaction.atomic
def raci_activity_remove(*, actor, activity: RaciActivity, reason: str) -> None:
    """Remove an activity and its cells, with a reason, before the kickoff is held (refused after it: 409)."""
    contract = locked(activity.contract)
    require(actor, "edit", contract)
    reason = need(reason)
    ensure_editable(contract)
    activity = RaciActivity.objects.select_related("contract__kickoff").get(pk=activity.pk)
    refusal = raci_removal_refusal(activity)
    if refusal:
        raise InvalidTransition(refusal)
    why = f"RACI activity removed: {reason}"
    for cell in list(activity.assignments.all()):
        delete(cell, actor=actor, reason=why)
    delete(activity, actor=actor, reason=why)


@transaction.atomic
def raci_save(*, actor, contract: Contract, grid: dict[int, dict[str, str]]) -> int:
    """Write the whole matrix: {activity id: {party: "R"|"A"|"C"|"I"|""}}. Refused as a whole (nothing saved)
    unless every activity has exactly one Accountable. Returns the number of cells changed."""
    contract = locked(contract)
    require(actor, "edit", contract)
    activities = {a.pk: a for a in contract.raci_activities.prefetch_related("assignments")}
    unknown = set(grid) - set(activities)
    if unknown:
        raise ValidationError("The matrix names activities that are not on this contract.")
    named = {}
    for pk, activity in activities.items():
        cells = {c.party: c.code for c in activity.assignments.all()}
        for party, code in (grid.get(pk) or {}).items():
            if party not in PARTY_KEYS:
                raise ValidationError(f"Unknown RACI party {party!r}.")
            cells[party] = (code or "").strip().upper()
        named[activity.name] = cells
    problems = grid_problems(named)
    if problems:
        raise ValidationError(problems)
    changed = 0
    for pk, activity in activities.items():
        current = {c.party: c for c in activity.assignments.all()}
        for party, code in (grid.get(pk) or {}).items():
            code = (code or "").strip().upper()
            cell = current.get(party)
            if cell is None and code:
                save(RaciAssignment(activity=activity, party=party, code=code), actor=actor, reason="RACI edited")
            elif cell is not None and not code:
                delete(cell, actor=actor, reason="RACI edited")
            elif cell is not None and cell.code != code:
                cell.code = code
                save(cell, actor=actor, reason="RACI edited")
            else:
                continue
            changed += 1
    return changed


# --- issues -------------------------------------------------------------------------------------------------
@transaction.atomic
def issue_create(*, actor, contract: Contract, title: str, priority: str, description: str = "") -> NegotiationIssue:
    contract = locked(contract)
    require(actor, "negotiate", contract)
    ensure_editable(contract)
    return save(NegotiationIssue(contract=contract, title=(title or "").strip(), priority=priority,
                                 description=description, raised_by=actor), actor=actor, reason="Issue raised")


@transaction.atomic
def issue_resolve(*, actor, issue: NegotiationIssue, resolution: str, conceded: str = "",
                  in_return: str = "") -> NegotiationIssue:
    issue = NegotiationIssue.objects.select_for_update(of=("self",)).select_related("contract").get(pk=issue.pk)
    require(actor, "decide" if conceded.strip() else "negotiate", issue.contract)
    if issue.status == NegotiationIssue.Status.RESOLVED:
        raise InvalidTransition("This issue is already resolved.")
    issue.resolution = need(resolution, "resolution", "Say how the issue was resolved.")
    if conceded.strip() and not in_return.strip():
        raise ValidationError({"in_return": "Say what we obtained in exchange for the concession."})
    issue.conceded, issue.in_return = conceded.strip(), in_return.strip()
    issue.status = NegotiationIssue.Status.RESOLVED
    return save(issue, actor=actor, reason="Issue resolved")


# --- milestones ---------------------------------------------------------------------------------------------
@transaction.atomic
def milestone_add(*, actor, contract: Contract, title: str, due_date, payment_amount=None) -> Milestone:
    contract = locked(contract)
    require(actor, "edit", contract)
    if payment_amount is not None and payment_amount < 0:
        raise ValidationError({"payment_amount": "A payment cannot be negative."})
    return save(Milestone(contract=contract, title=(title or "").strip(), due_date=due_date,
                          payment_amount=payment_amount), actor=actor, reason="Milestone added")


# --- transition checklist -----------------------------------------------------------------------------------
def _item(item: ChecklistItem) -> ChecklistItem:
    return ChecklistItem.objects.select_for_update(of=("self",)).select_related("contract").get(pk=item.pk)


@transaction.atomic
def checklist_item_update(*, actor, item: ChecklistItem, owner=None, done_on=None) -> ChecklistItem:
    """Set the owner and (when done) the date it was done; a done item cannot be undone silently."""
    item = _item(item)
    require(actor, "negotiate", item.contract)
    if owner is not None:
        item.owner = owner
    if done_on is not None:
        if done_on > timezone.localdate():
            raise ValidationError({"done_on": "The done date cannot be in the future."})
        item.done_on = done_on
    if item.done_on and not item.owner_id:
        raise ValidationError({"owner": "Name who did it."})
    return save(item, actor=actor, reason="Checklist item done" if done_on else "Checklist item edited")


@transaction.atomic
def checklist_item_waive(*, actor, item: ChecklistItem, reason: str) -> ChecklistItem:
    item = _item(item)
    require(actor, "decide", item.contract)
    if item.done_on:
        raise InvalidTransition("This item is done; there is nothing to waive.")
    item.waived_reason = need(reason, message="Say why this item is waived.")
    return save(item, actor=actor, reason=f"Waived: {item.waived_reason}")
