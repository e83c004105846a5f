"""Approval routing by policy: which committees a memo goes to, with what quorum, and who may sign it now.

The memo's lifecycle (awards.services.memo) calls this module; this module never changes a memo.

- `approval_route_open` (at submission): picks the rule from the active approval matrix (awards.approval_policy)
  and records it on the route with a copy of each committee's quorum.
- `route_void` / `route_close`: the route ends when the memo is edited, rejected, sent back or approved.
- `signoff_refusal`, `route_steps_of`, `quorum_state`, `quorum_reached`: the reads a sign-off is judged by.
"""

from __future__ import annotations

from django.utils import timezone

from awards import notices
from awards.approval_policy import NoRuleApplies, Rule, select_rule
from awards.models import (
    ApprovalRoute,
    ApprovalRule,
    Committee,
    DecisionMemo,
    MemoVersion,
    RouteStep,
    SignOff,
)
from awards.models.approval import Decision
from awards.models.memo import MemoStatus
from awards.policies import memo_policy
from procurement.audit.history import attribute
from procurement.exceptions import InvalidTransition


def policy_rules() -> list[Rule]:
    """The approval matrix in force, as pure rules."""
    rows = ApprovalRule.objects.filter(active=True).prefetch_related("committees").order_by("position", "pk")
    return [Rule(key=r.pk, name=r.name, min_value=r.min_value, max_value=r.max_value, tiers=frozenset(r.tiers),
                 committees=tuple(c.key for c in sorted(r.committees.all(), key=lambda c: c.pk))) for r in rows]


def route_for(memo: DecisionMemo):
    tier = memo.recommended_bid.vendor.tier if memo.recommended_bid_id else None
    return select_rule(policy_rules(), value=memo.contract_value, tier=tier)


def approval_route_open(*, memo: DecisionMemo, version: MemoVersion, actor) -> ApprovalRoute:
    try:
        decision = route_for(memo)
    except NoRuleApplies as exc:
        raise InvalidTransition(str(exc)) from None
    committees = {c.key: c for c in Committee.objects.filter(key__in=decision.committees)}
    route = ApprovalRoute(memo=memo, version=version, rule_id=decision.rule.key, rule_name=decision.rule.name,
                          rule_explanation=decision.explanation[:300], contract_value=memo.contract_value,
                          vendor_tier=decision.tier)
    attribute(route, actor=actor, reason=f"Route opened by rule “{decision.rule.name}”")
    route.save()
    for position, key in enumerate(decision.committees):
        committee = committees[key]
        step = RouteStep(route=route, committee=committee, committee_name=committee.name, quorum=committee.quorum,
                         position=position)
        attribute(step, actor=actor, reason="Committee required by the approval policy")
        step.save()
    notices.memo_routed(route=route)
    return route


def open_route(memo: DecisionMemo) -> ApprovalRoute | None:
    return ApprovalRoute.objects.filter(memo=memo, status=ApprovalRoute.Status.OPEN).first()


def route_steps_of(route: ApprovalRoute, user) -> list[RouteStep]:
    """The steps of the route whose committee `user` sits on."""
    return list(RouteStep.objects.filter(route=route, committee__members=user).select_related("committee"))




def signoff_refusal(memo: DecisionMemo, user) -> str | None:
    """Why `user` may not sign this memo now, or None. Who may sign is the policy's rule (awards.policies,
    MemoPolicy "sign"); the memo's state is asked first so that a closed memo answers 409, not 403."""
    if memo.status != MemoStatus.IN_APPROVAL:
        return "This memo is not waiting for sign-off."
    return memo_policy.refusal(user, "sign", memo)


def quorum_state(route: ApprovalRoute) -> list[dict]:
    """Per committee on the route: approvals so far against the quorum."""
    steps = list(route.steps.order_by("position", "pk"))
    approvals = {}
    for step_id in SignOff.objects.filter(route=route, decision=Decision.APPROVE).values_list("step_id", flat=True):
        approvals[step_id] = approvals.get(step_id, 0) + 1
    return [{"step": step, "approvals": approvals.get(step.pk, 0), "quorum": step.quorum,
             "reached": approvals.get(step.pk, 0) >= step.quorum} for step in steps]


def quorum_reached(route: ApprovalRoute) -> bool:
    return all(row["reached"] for row in quorum_state(route))


def route_void(memo: DecisionMemo, *, actor, why: str) -> None:
    """Void the memo's open route (its sign-offs no longer count)."""
    for route in ApprovalRoute.objects.select_for_update().filter(memo=memo, status=ApprovalRoute.Status.OPEN):
        route.status = ApprovalRoute.Status.VOID
        route.closed_at = timezone.now()
        attribute(route, actor=actor, reason=why)
        route.save(update_fields=["status", "closed_at", "updated_at"])


def route_close(route: ApprovalRoute, *, actor, status: str, reason: str) -> ApprovalRoute:
    route.status, route.closed_at = status, timezone.now()
    attribute(route, actor=actor, reason=reason)
    route.save(update_fields=["status", "closed_at", "updated_at"])
    return route
