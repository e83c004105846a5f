"""Pure route selection for decision memos: contract value band x vendor tier -> committees. No ORM.

The matrix lives in the database (awards.ApprovalRule, a policy table changed only by a policy administrator on its
page, each change a new version: awards.policy, procurement.policy_tables; seeded by a migration). The service turns
the rules of the version that applies to the procedure into `Rule` values (`rules_from_snapshot` for an earlier
version) and asks `select_rule` which applies. Rules are tried in order; the
first whose value band holds the contract value and whose tiers include the vendor's tier wins. A value band
includes its lower bound and excludes its upper bound (None: no upper bound). An untiered vendor is treated as
critical, like everywhere else in Baton.

A band may name its own currency (`Rule.currency`; empty: the base currency). The value is then compared in the
band's currency: `select_rule` asks `value_in(code)` for it (the service converts the base-currency value at the
rate of the same day the route uses). Otherwise the bands are amounts in the base currency (setting
BATON_BASE_CURRENCY). The service converts the memo's contract
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

from collections.abc import Callable, Sequence
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
    currency: str = ""  # the band's currency ("" = the base currency)

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
    band_value: Decimal | None = None  # the value in the band's own currency, when the band names another one

    @property
    def explanation(self) -> str:
        if self.band_value is not None:
            band_unit = f" {self.rule.currency}"
            upper = (f"below {_money(self.rule.max_value)}{band_unit}" if self.rule.max_value is not None
                     else "with no upper limit")
            return (f"Rule “{self.rule.name}”: contract value {_money(self.band_value)}{band_unit} (from "
                    f"{_money(self.value)} {self.currency} at the route's rate) is from "
                    f"{_money(self.rule.min_value)}{band_unit} {upper}, vendor tier {self.tier}.")
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
                conversion: str = "", rate: Any = None, value_in: Callable[[str], Decimal] | None = None) -> Route:
    """The route for a contract of `value` (in the base currency, `currency`) with a vendor of `tier` (first
    matching rule, in order). `conversion` and `rate` say how `value` was converted; they are carried, not used.
    A rule whose band names another currency is compared with `value_in(that currency)`; without `value_in` such
    a rule cannot be judged and raises NoRuleApplies."""
    value = Decimal(value)
    if value < 0:
        raise ValueError("A contract value cannot be negative.")
    tier = effective_tier(tier)
    converted: dict[str, Decimal] = {}
    for rule in rules:
        band_value = None
        compared = value
        if rule.currency and currency and rule.currency != currency:
            if value_in is None:
                raise NoRuleApplies(f"Rule “{rule.name}” has a band in {rule.currency}, and no conversion was given.")
            if rule.currency not in converted:
                converted[rule.currency] = Decimal(value_in(rule.currency))
            compared = band_value = converted[rule.currency]
        if rule.matches(compared, tier):
            if not rule.committees:
                raise NoRuleApplies(f"Rule “{rule.name}” names no committee; fix the approval matrix.")
            return Route(rule=rule, committees=tuple(dict.fromkeys(rule.committees)), tier=tier, value=value,
                         currency=currency, conversion=conversion, rate=rate, band_value=band_value)
    unit = f" {currency}" if currency else ""
    raise NoRuleApplies(f"No approval rule covers a contract value of {_money(value)}{unit} with a {tier}-tier vendor; "
                        "ask an administrator to complete the approval matrix.")


def rules_from_snapshot(snapshot) -> list[Rule]:
    """The active rules of a version of the approval matrix (procurement.policy_tables snapshot), in order."""
    rows = sorted((row for row in snapshot if row.get("active", True)),
                  key=lambda row: (int(row.get("position") or 0), int(row.get("id") or 0)))
    return [Rule(key=row.get("id"), name=row["name"], min_value=Decimal(str(row.get("min") or 0)),
                 max_value=None if row.get("max") in (None, "") else Decimal(str(row["max"])),
                 tiers=frozenset(row.get("tiers") or ()), committees=tuple(row.get("committees") or ()),
                 currency=(row.get("currency") or "").upper()) for row in rows]
