"""Route selection by contract value band x vendor tier (pure), and the seeded matrix in the database."""

from decimal import Decimal

import pytest

from awards.approval_policy import NoRuleApplies, Rule, select_rule
from tests.factories.memos import EC, PM, RC

K100, M1 = Decimal("100000"), Decimal("1000000")
ALL = frozenset({"low", "medium", "high", "critical"})
SEEDED = [
    Rule(1, "small", Decimal(0), K100, frozenset({"low", "medium"}), (PM,)),
    Rule(2, "small high", Decimal(0), K100, frozenset({"high"}), (PM, RC)),
    Rule(3, "mid", K100, M1, frozenset({"low", "medium", "high"}), (PM, RC)),
    Rule(4, "critical", Decimal(0), M1, frozenset({"critical"}), (PM, RC, EC)),
    Rule(5, "large", M1, None, ALL, (PM, RC, EC)),
]


@pytest.mark.parametrize(("value", "tier", "committees", "rule"), [
    ("0", "low", (PM,), 1),
    ("99999.99", "low", (PM,), 1),
    ("99999.99", "medium", (PM,), 1),
    ("99999.99", "high", (PM, RC), 2),
    ("99999.99", "critical", (PM, RC, EC), 4),
    ("100000", "low", (PM, RC), 3),  # the lower bound of a band is inside it
    ("100000", "medium", (PM, RC), 3),
    ("100000", "high", (PM, RC), 3),
    ("999999.99", "high", (PM, RC), 3),
    ("999999.99", "critical", (PM, RC, EC), 4),
    ("1000000", "low", (PM, RC, EC), 5),  # the upper bound is outside the band below
    ("1000000", "critical", (PM, RC, EC), 5),
    ("25000000", "medium", (PM, RC, EC), 5),
    ("5000", "", (PM, RC, EC), 4),  # untiered counts as critical
    ("5000", None, (PM, RC, EC), 4),
])
def test_route_by_value_band_and_tier(value, tier, committees, rule):
    route = select_rule(SEEDED, value=Decimal(value), tier=tier)

    assert route.committees == committees
    assert route.rule.key == rule
    assert route.rule.name in route.explanation


def test_first_matching_rule_wins_and_duplicates_collapse():
    rules = [Rule("a", "first", Decimal(0), None, ALL, (PM, PM, RC)), Rule("b", "second", Decimal(0), None, ALL, (EC,))]
    route = select_rule(rules, value=Decimal(10), tier="low")
    assert (route.rule.key, route.committees) == ("a", (PM, RC))


def test_a_gap_in_the_matrix_is_reported():
    with pytest.raises(NoRuleApplies, match="No approval rule covers"):
        select_rule(SEEDED[:3], value=Decimal("2000000"), tier="low")
    with pytest.raises(ValueError):
        select_rule(SEEDED, value=Decimal("-1"), tier="low")


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "tier", "committees"), [
    ("50000", "low", [PM]), ("50000", "high", [PM, RC]), ("100000", "medium", [PM, RC]),
    ("500000", "critical", [PM, RC, EC]), ("1000000", "low", [PM, RC, EC]),
])
def test_the_seeded_matrix_gives_the_documented_routes(value, tier, committees):
    from awards.services.approval import policy_rules
    from tests.factories.memos import seed_policy

    seed_policy()
    assert list(select_rule(policy_rules(), value=Decimal(value), tier=tier).committees) == committees
