"""Pure route selection for decision memos: contract value band x vendor tier -> committees. No ORM.

The matrix lives in the database (awards.ApprovalRule, edited in the admin, seeded by a migration); the service
turns the active rules into `Rule` values and asks `select_rule` which applies. Rules are tried in order; the
first whose value band holds the contract value and whose tiers include the vendor's tier wins. A value band
includes its lower bound and excludes its upper bound (None: no upper bound). An untiered vendor is treated as
critical, like everywhere else in Baton.

The seeded matrix (see the data migration):

    value            low        medium     high            critical
    < 100k           PM         PM         PM + RC         PM + RC + EC
    100k .. < 1M     PM + RC    PM + RC    PM + RC         PM + RC + EC
    >= 1M            PM + RC + EC (every tier)

    PM: procurement manager, RC: risk committee, EC: executive committee
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

STRICTEST_TIER = "critical"
TIERS = ("low", "medium", "high", "critical")


class NoRuleApplies(LookupError):
    """The matrix has a gap: no active rule covers this value and tier."""


@dataclass(frozen=True)
class Rule:
    key: object  # the rule's id (or anything identifying it)
    name: str
    min_value: Decimal
    max_value: Decimal | None
    tiers: frozenset[str]
    committees: tuple[str, ...]  # committee keys, in route order

    def matches(self, value: Decimal, tier: str) -> bool:
        if value < self.min_value:
            return False
        if self.max_value is not None and value >= self.max_value:
            return False
        return tier in self.tiers


@dataclass(frozen=True)
class Route:
    rule: Rule
    committees: tuple[str, ...]
    tier: str
    value: Decimal

    @property
    def explanation(self) -> str:
        upper = f"below {_money(self.rule.max_value)}" if self.rule.max_value is not None else "with no upper limit"
        return (f"Rule “{self.rule.name}”: contract value {_money(self.value)} is from "
                f"{_money(self.rule.min_value)} {upper}, vendor tier {self.tier}.")


def _money(value: Decimal) -> str:
    return f"{value:,.0f}"


def effective_tier(tier: str | None) -> str:
    return tier if tier in TIERS else STRICTEST_TIER


def select_rule(rules: Sequence[Rule], *, value: Decimal, tier: str | None) -> Route:
    """The route for a contract of `value` with a vendor of `tier` (first matching rule, in order)."""
    value = Decimal(value)
    if value < 0:
        raise ValueError("A contract value cannot be negative.")
    tier = effective_tier(tier)
    for rule in rules:
        if rule.matches(value, tier):
            if not rule.committees:
                raise NoRuleApplies(f"Rule “{rule.name}” names no committee; fix the approval matrix.")
            return Route(rule=rule, committees=tuple(dict.fromkeys(rule.committees)), tier=tier, value=value)
    raise NoRuleApplies(f"No approval rule covers a contract value of {_money(value)} with a {tier}-tier vendor; "
                        "ask an administrator to complete the approval matrix.")
