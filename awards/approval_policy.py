"""Pure route selection for decision memos: contract value band x vendor tier -> committees. No ORM.

The matrix lives in the database (awards.ApprovalRule, edited in the admin, seeded by a migration); the service
turns the active rules into `Rule` values and asks `select_rule` which applies. Rules are tried in order; the
first whose value band holds the contract value and whose tiers include the vendor's tier wins. A value band
includes its lower bound and excludes its upper bound (None: no upper bound). An untiered vendor is treated as
critical, like everywhere else in Baton.

The bands are amounts in the base currency (setting BATON_BASE_CURRENCY). The service converts the memo's contract
value from the procedure's currency at the rate of the memo's decision date (procurement.money) and passes the
converted value, with the base currency's code and a sentence saying how it was converted, so the explanation a
person reads names the amount the bands were compared with.

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
from typing import Any

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
    value: Decimal  # in the base currency: what the bands were compared with
    currency: str = ""  # the base currency's code ("" when the caller did not say)
    conversion: str = ""  # how `value` was obtained from the contract's own currency ("" when no conversion)
    rate: Any = None  # the rate used (procurement.money.RateUsed), for the route to record

    @property
    def explanation(self) -> str:
        unit = f" {self.currency}" if self.currency else ""
        upper = (f"below {_money(self.rule.max_value)}{unit}" if self.rule.max_value is not None
                 else "with no upper limit")
        converted = f" ({self.conversion})" if self.conversion else ""
        return (f"Rule “{self.rule.name}”: contract value {_money(self.value)}{unit}{converted} is from "
                f"{_money(self.rule.min_value)}{unit} {upper}, vendor tier {self.tier}.")


def _money(value: Decimal) -> str:
    return f"{value:,.0f}"


def effective_tier(tier: str | None) -> str:
    return tier if tier in TIERS else STRICTEST_TIER


def select_rule(rules: Sequence[Rule], *, value: Decimal, tier: str | None, currency: str = "",
                conversion: str = "", rate: Any = None) -> Route:
    """The route for a contract of `value` (in the base currency, `currency`) with a vendor of `tier` (first
    matching rule, in order). `conversion` and `rate` say how `value` was converted; they are carried, not used."""
    value = Decimal(value)
    if value < 0:
        raise ValueError("A contract value cannot be negative.")
    tier = effective_tier(tier)
    for rule in rules:
        if rule.matches(value, tier):
            if not rule.committees:
                raise NoRuleApplies(f"Rule “{rule.name}” names no committee; fix the approval matrix.")
            return Route(rule=rule, committees=tuple(dict.fromkeys(rule.committees)), tier=tier, value=value,
                         currency=currency, conversion=conversion, rate=rate)
    unit = f" {currency}" if currency else ""
    raise NoRuleApplies(f"No approval rule covers a contract value of {_money(value)}{unit} with a {tier}-tier vendor; "
                        "ask an administrator to complete the approval matrix.")
