"""Change orders: any team member raises one; only the person in the seat the RACI marks Accountable for
change orders decides it. An approved change order updates the contract's value and end date; because the
handoff pack's source hash covers the contract terms and the approved change orders, the rendered pack then
shows as stale (the existing mechanism) and a new version must be rendered and acknowledged."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from contracts.models import ChangeOrder, Contract
from contracts.notices import managers_of, tell
from contracts.playbook import CHANGE_ORDER_ACTIVITY
from contracts.policies import accountable_user, contract_policy
from contracts.services._common import ensure_open, locked, need, require, save
from procurement import authz
from procurement.exceptions import InvalidTransition

S = ChangeOrder.Status


@transaction.atomic
def change_order_raise(*, actor, contract: Contract, title: str, reason: str, description: str,
                       cost_impact=0, schedule_impact_days: int = 0) -> ChangeOrder:
    contract = locked(contract)
    require(actor, "report", contract)
    ensure_open(contract)
    number = (contract.change_orders.aggregate(n=Max("number"))["n"] or 0) + 1
    order = save(ChangeOrder(contract=contract, number=number, title=need(title, "title", "Name the change."),
                             reason=reason, description=need(description, "description", "Describe the change."),
                             cost_impact=cost_impact if cost_impact is not None else 0,
                             schedule_impact_days=schedule_impact_days or 0, raised_by=actor),
                 actor=actor, reason=f"Change order CO-{number} raised")
    decider = accountable_user(contract, CHANGE_ORDER_ACTIVITY)
    tell([decider], kind="change_order", key=f"contracts:co:{order.pk}:raised",
         subject=f"{contract.reference}: change order CO-{number} needs your decision",
         body=f"{order.title} ({order.get_reason_display()}): cost {order.cost_impact} {contract.currency}, "
              f"schedule {order.schedule_impact_days:+d} days.", target=contract)
    return order


@transaction.atomic
def change_order_decide(*, actor, change_order: ChangeOrder, approve: bool, note: str) -> ChangeOrder:
    order = ChangeOrder.objects.select_for_update(of=("self",)).get(pk=change_order.pk)
    contract = locked(order.contract)
    authz.require(actor, contract_policy, "view", contract)
    if not contract_policy.allows(actor, "approve_change", contract):
        raise PermissionDenied(f"Only the person the RACI marks Accountable for “{CHANGE_ORDER_ACTIVITY}” may "
                               "decide change orders on this contract.")
    ensure_open(contract)
    if order.status != S.PROPOSED:
        raise InvalidTransition(f"CO-{order.number} is already {order.get_status_display().lower()}.")
    note = need(note, "note", "Say why." if not approve else "Record the basis of the approval.")
    order.status = S.APPROVED if approve else S.REJECTED
    order.decided_by, order.decided_at, order.decision_note = actor, timezone.now(), note
    save(order, actor=actor, reason=f"CO-{order.number} {order.get_status_display().lower()}: {note}")
    if approve:
        changes = []
        if order.cost_impact:
            contract.value = contract.value + order.cost_impact
            changes.append(f"value {order.cost_impact:+}")
        if order.schedule_impact_days:
            if contract.end_date is None:
                raise ValidationError({"schedule_impact_days": "The contract has no end date to move."})
            contract.end_date = contract.end_date + timedelta(days=order.schedule_impact_days)
            changes.append(f"end date {order.schedule_impact_days:+d} days")
        if contract.value < 0:
            raise ValidationError({"cost_impact": "The change would make the contract value negative."})
        save(contract, actor=actor,
             reason=f"CO-{order.number} approved" + (f": {', '.join(changes)}" if changes else ""))
    tell(managers_of(contract) + [order.raised_by], kind="change_order", key=f"contracts:co:{order.pk}:decided",
         subject=f"{contract.reference}: CO-{order.number} {order.get_status_display().lower()}",
         body=f"{order.title}: {note}", target=contract)
    return order
