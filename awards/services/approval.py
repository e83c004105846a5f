"""Approval routing by policy: which committees a memo goes to, with what quorum, and who may sign it now.

The memo's lifecycle (awards.services.memo) calls this module; this module never changes a memo.

- `approval_route_open` (at submission): picks the rule from the active approval matrix (awards.approval_policy)
  and records it on the route with a copy of each committee's quorum. The bands are in the base currency: the
  contract value is converted at the rate of the memo's decision date, and the route records the rate used.
- `route_void` / `route_close`: the route ends when the memo is edited, rejected, sent back or approved.
- `signoff_refusal`, `route_steps_of`, `signable_steps`, `signature_counts_for`, `quorum_state`, `quorum_reached`:
  the reads a sign-off is judged by.
- The value the bands are applied to (issue 20): when the recommended bid has a price schedule, its total cost over
  the term in the base currency, at the rate of the procedure's proposals-due date (the one rate rule of
  awards.selectors.price); otherwise the memo's contract value at the rate of its decision date. The route's
  explanation says which (`route_value`). Whether one person's signature may count for two committees of a route is
  the policy's (awards.policies.one_committee_per_person, setting BATON_SIGNOFF_ONE_COMMITTEE_PER_PERSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from awards import notices
from awards.approval_policy import NoRuleApplies, Rule, rules_from_snapshot, select_rule
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
from procurement import policy_tables
from procurement.audit.history import attribute
from procurement.exceptions import InvalidTransition
from procurement.money import CENT, MissingRate, RateUsed, normalise_currency, rate_on

User = get_user_model()

APPROVAL_MATRIX, COMMITTEES = "approval_matrix", "committees"  # the policy tables a route reads


def policy_rules(pins=None) -> list[Rule]:
    """The approval matrix that applies, as pure rules: for a procedure's `pins` (its policy_versions) the pinned
    version (read from the live rows when it is the current one), else the matrix in force now."""
    if pins is not None and not policy_tables.is_current(pins, APPROVAL_MATRIX):
        return rules_from_snapshot(policy_tables.applicable(pins, APPROVAL_MATRIX).snapshot)
    rows = ApprovalRule.objects.filter(active=True).prefetch_related("committees").order_by("position", "pk")
    return [Rule(key=r.pk, name=r.name, min_value=r.min_value, max_value=r.max_value, tiers=frozenset(r.tiers),
                 committees=tuple(c.key for c in sorted(r.committees.all(), key=lambda c: c.pk)),
                 currency=(r.currency or "").upper()) for r in rows]


def pinned_committees(pins) -> dict[str, dict] | None:
    """The committees (key -> {name, quorum, members}) of the pinned version when it is not the current one;
    None when the live rows apply."""
    if policy_tables.is_current(pins, COMMITTEES):
        return None
    return {row["key"]: row for row in policy_tables.applicable(pins, COMMITTEES).snapshot}


def procedure_pins(procedure) -> dict:
    return dict(procedure.policy_versions or {})


def versions_sentence(pins) -> str:
    """What a route records and the memo page says: "Approval matrix version N applies; committees version M"."""
    return (f"Approval matrix version {policy_tables.pinned_number(pins, APPROVAL_MATRIX)} applies; committees "
            f"version {policy_tables.pinned_number(pins, COMMITTEES)}")


def policy_notes(procedure):
    """The memo page's sentences on the policy versions that apply to the procedure (procurement.policy_tables)."""
    return policy_tables.version_notes(procedure_pins(procedure), (APPROVAL_MATRIX, COMMITTEES))


@dataclass(frozen=True)
class RouteValue:
    """What the approval bands are applied to: `amount` in the rate's currency, `base_value` in the base currency,
    and `source` ("price" = the recommended bid's total cost over the term; "contract" = the memo's value)."""

    amount: Decimal
    rate: RateUsed
    base_value: Decimal
    source: str
    sentence: str  # which value chose the route, in words (the memo page shows it)
    day: date | None = None  # the day whose rates the route uses (a band in another currency converts at it)

    @property
    def conversion(self) -> str:
        """What the route's explanation adds in brackets (unchanged from before issue 20 for the contract value)."""
        if self.source == "price":
            return self.sentence
        return "" if self.rate.is_base else self.rate.describe(self.amount)


def route_value(memo: DecisionMemo) -> RouteValue:
    """The value the approval policy is applied to, and the sentence saying which value it is. MissingRate when the
    currency has no rate on the day the rule names."""
    bid = memo.recommended_bid if memo.recommended_bid_id else None
    if bid is not None and bid.price_currency:  # set with its price lines (price_lines_from_schedule): no query
        from awards.selectors.price import costs_for_bids, priced_bids_queryset

        cost = costs_for_bids(memo.procedure, priced_bids_queryset(memo.procedure).filter(pk=bid.pk))
        if cost and cost[0].total is not None:
            cost = cost[0]
            from awards.selectors.price import rate_day

            if cost.rate is None:
                raise MissingRate(cost.currency, rate_day(memo.procedure))
            amount = cost.total.quantize(CENT, rounding=ROUND_HALF_UP)
            rate = cost.rate
            base_value = rate.convert(cost.total)
            sentence = (f"the recommended bid's total cost over the {memo.procedure.term_months}-month term from its "
                        f"price schedule, not the estimate: {rate.describe(cost.total)}"
                        + ("" if rate.is_base else ", the rate in force on proposals-due"))
            return RouteValue(amount=amount, rate=rate, base_value=base_value, source="price", sentence=sentence,
                              day=rate_day(memo.procedure))
    rate = rate_on(memo.procedure.currency, memo.decision_date)
    sentence = "the memo's contract value (no price schedule recorded for the recommended bid)" + (
        "" if rate.is_base else f": {rate.describe(memo.contract_value)}")
    return RouteValue(amount=memo.contract_value, rate=rate, base_value=rate.convert(memo.contract_value),
                      source="contract", sentence=sentence, day=memo.decision_date)


def route_for(memo: DecisionMemo):
    """The route the policy gives the memo. The bands are in the base currency: the value (`route_value`: the
    recommended bid's total cost when it has a price schedule, else the contract value at the rate of the memo's
    decision date) is converted with procurement.money. No rate for that currency on that day: MissingRate (a
    DomainError naming both), never a comparison of raw amounts."""
    tier = memo.recommended_bid.vendor.tier if memo.recommended_bid_id else None
    value = route_value(memo)
    return select_rule(policy_rules(procedure_pins(memo.procedure)), value=value.base_value, tier=tier,
                       currency=value.rate.base_currency, conversion=value.conversion, rate=value.rate,
                       value_in=lambda code: band_value(value, code))


def band_value(value: RouteValue, currency: str) -> Decimal:
    """The route's base-currency value in a band's own currency, at that currency's rate on the day the route uses
    (MissingRate when there is none)."""
    rate = rate_on(normalise_currency(currency), value.day or timezone.localdate())
    if rate.is_base:
        return value.base_value
    return (value.base_value / rate.rate).quantize(CENT, rounding=ROUND_HALF_UP)


def approval_route_open(*, memo: DecisionMemo, version: MemoVersion, actor) -> ApprovalRoute:
    try:
        decision = route_for(memo)
    except (NoRuleApplies, MissingRate) as exc:
        raise InvalidTransition(str(exc)) from None
    pins = procedure_pins(memo.procedure)
    committees = {c.key: c for c in Committee.objects.filter(key__in=decision.committees)}
    pinned = pinned_committees(pins)
    missing = [key for key in decision.committees
               if key not in committees or (pinned is not None and key not in pinned)]
    if missing:
        raise InvalidTransition(f"The approval rule “{decision.rule.name}” names the committee(s) "
                                f"{', '.join(missing)}, which no longer exist; ask a policy administrator to fix "
                                "the committees.")
    rate = decision.rate
    value = route_value(memo)
    rule_id = decision.rule.key if ApprovalRule.objects.filter(pk=decision.rule.key).exists() else None
    applied = versions_sentence(pins)
    explanation = f"{decision.explanation} {applied}."
    route = ApprovalRoute(memo=memo, version=version, rule_id=rule_id, rule_name=decision.rule.name,
                          rule_explanation=explanation[:500], contract_value=value.amount,
                          currency=rate.currency, exchange_rate=rate.rate, rate_date=rate.valid_from,
                          base_value=decision.value, vendor_tier=decision.tier)
    attribute(route, actor=actor, reason=f"Route opened by rule “{decision.rule.name}” ({applied})")
    route.save()
    for position, key in enumerate(decision.committees):
        committee = committees[key]
        name, quorum = ((committee.name, committee.quorum) if pinned is None
                        else (pinned[key]["name"], int(pinned[key]["quorum"])))
        step = RouteStep(route=route, committee=committee, committee_name=name, quorum=quorum,
                         position=position)
        attribute(step, actor=actor, reason="Committee required by the approval policy")
        step.save()
        step.members.set(committee.members.all() if pinned is None
                         else User.objects.filter(username__in=pinned[key].get("members", ())))
    notices.memo_routed(route=route)
    return route


def open_route(memo: DecisionMemo) -> ApprovalRoute | None:
    return ApprovalRoute.objects.filter(memo=memo, status=ApprovalRoute.Status.OPEN).first()


def route_steps_of(route: ApprovalRoute, user) -> list[RouteStep]:
    """The steps of the route `user` holds a seat on (RouteStep.members: the membership of the committees version
    the procedure pinned, copied when the route opened). A deactivated user holds none."""
    if not getattr(user, "is_active", False):
        return []
    return list(RouteStep.objects.filter(route=route, members=user).select_related("committee")
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
