"""Approval routing by policy: which committees a memo goes to, with what quorum, and who may sign it now.

The memo's lifecycle (awards.services.memo) calls this module; this module never changes a memo.

- `approval_route_open` (at submission): picks the rule from the active approval matrix (awards.approval_policy)
  and records it on the route with a copy of each committee's quorum. The bands are in the base currency: the
  contract value is converted at the rate of the memo's decision date, and the route records the rate used.
- `route_void` / `route_close`: the route ends when the memo is edited, rejected, sent back or approved.
- `signoff_refusal`, `route_steps_of`, `signable_steps`, `signature_counts_for`, `quorum_state`, `quorum_reached`:
  the reads a sign-off is judged by. Whether one person's signature may count for two committees of a route is
  the policy's (awards.policies.one_committee_per_person, setting BATON_SIGNOFF_ONE_COMMITTEE_PER_PERSON).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
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
from awards.policies import counted_signoffs, memo_policy, one_committee_per_person
from procurement.audit.history import attribute
from procurement.exceptions import InvalidTransition
from procurement.money import MissingRate, rate_on


def policy_rules() -> list[Rule]:
    """The approval matrix in force, as pure rules."""
    rows = ApprovalRule.objects.filter(active=True).prefetch_related("committees").order_by("position", "pk")
    return [Rule(key=r.pk, name=r.name, min_value=r.min_value, max_value=r.max_value, tiers=frozenset(r.tiers),
                 committees=tuple(c.key for c in sorted(r.committees.all(), key=lambda c: c.pk))) for r in rows]


def route_for(memo: DecisionMemo):
    """The route the policy gives the memo. The bands are in the base currency: the contract value is converted
    from the procedure's currency at the rate of the memo's decision date (procurement.money). No rate for that
    currency on that day: MissingRate (a DomainError naming both), never a comparison of raw amounts."""
    tier = memo.recommended_bid.vendor.tier if memo.recommended_bid_id else None
    rate = rate_on(memo.procedure.currency, memo.decision_date)
    conversion = "" if rate.is_base else rate.describe(memo.contract_value)
    return select_rule(policy_rules(), value=rate.convert(memo.contract_value), tier=tier,
                       currency=rate.base_currency, conversion=conversion, rate=rate)


def approval_route_open(*, memo: DecisionMemo, version: MemoVersion, actor) -> ApprovalRoute:
    try:
        decision = route_for(memo)
    except (NoRuleApplies, MissingRate) as exc:
        raise InvalidTransition(str(exc)) from None
    committees = {c.key: c for c in Committee.objects.filter(key__in=decision.committees)}
    rate = decision.rate
    route = ApprovalRoute(memo=memo, version=version, rule_id=decision.rule.key, rule_name=decision.rule.name,
                          rule_explanation=decision.explanation[:500], contract_value=memo.contract_value,
                          currency=rate.currency, exchange_rate=rate.rate, rate_date=rate.valid_from,
                          base_value=decision.value, vendor_tier=decision.tier)
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
    return list(RouteStep.objects.filter(route=route, committee__members=user).select_related("committee")
                .order_by("position", "pk"))


def signable_steps(route: ApprovalRoute, user) -> list[RouteStep]:
    """The steps a signature of `user` may count for now: their committees on the route still short of quorum."""
    short = {row["step"].pk for row in quorum_state(route) if not row["reached"]}
    return [step for step in route_steps_of(route, user) if step.pk in short]


def signature_counts_for(route: ApprovalRoute, user, committee=None) -> list[RouteStep]:
    """The steps one signature of `user` is recorded for (awards.policies.one_committee_per_person):

    - one committee per person (the default): exactly one step — the committee the person chose (a committee key,
      a Committee, a RouteStep or a step id), or their only committee still short of quorum; a person on several
      must choose, and the signature never counts for a second committee;
    - otherwise: every committee of theirs on the route still short of quorum (the form says so).
    A choice that is not one of those steps is a ValidationError on `committee`."""
    steps = signable_steps(route, user)
    chosen = _chosen_step(steps, route, user, committee)
    if not one_committee_per_person():
        return steps
    if chosen is not None:
        return [chosen]
    if len(steps) > 1:
        raise ValidationError({"committee": "You sit on more than one committee of this route: choose the one your "
                                            "signature counts for (" + ", ".join(s.committee_name for s in steps)
                                            + ")."})
    return steps


def _chosen_step(steps: list[RouteStep], route: ApprovalRoute, user, committee) -> RouteStep | None:
    if committee in (None, ""):
        return None
    for step in steps:
        if committee in (step, step.committee, step.committee.key, step.pk, str(step.pk)):
            return step
    for step in route_steps_of(route, user):
        if committee in (step, step.committee, step.committee.key, step.pk, str(step.pk)):
            raise ValidationError({"committee": f"The {step.committee_name} has already reached its quorum on "
                                                "this route; your signature can no longer count for it."})
    raise ValidationError({"committee": "Choose one of your committees on this memo's route."})


def signoff_refusal(memo: DecisionMemo, user) -> str | None:
    """Why `user` may not sign this memo now, or None. Who may sign is the policy's rule (awards.policies,
    MemoPolicy "sign"); the memo's state is asked first so that a closed memo answers 409, not 403."""
    if memo.status != MemoStatus.IN_APPROVAL:
        return "This memo is not waiting for sign-off."
    return memo_policy.refusal(user, "sign", memo)


def quorum_state(route: ApprovalRoute) -> list[dict]:
    """Per committee on the route: approvals so far against the quorum. With one committee per person, an
    approval counts only for the first committee its signer signed for on the route (awards.policies
    counted_signoffs), so each committee's quorum is met by distinct people."""
    steps = list(route.steps.order_by("position", "pk"))
    approvals = {}
    for step_id in counted_signoffs(SignOff.objects.filter(route=route, decision=Decision.APPROVE)) \
            .values_list("step_id", flat=True):
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
