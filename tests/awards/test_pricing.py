"""The pure price arithmetic (issue 20): totals over the term and the price score by formula. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from awards.pricing import Line, PriceFormulaError, line_total, price_scores, term_total

amounts = st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0.01"), max_value=10**8, places=2, allow_nan=False, allow_infinity=False)
terms = st.integers(min_value=1, max_value=360)


@st.composite
def lines(draw):
    kind = draw(st.sampled_from(["one_off", "recurring", "usage"]))
    if kind == "recurring":
        return Line(kind=kind, amount=draw(amounts), period=draw(st.sampled_from(["month", "year"])))
    if kind == "usage":
        return Line(kind=kind, amount=draw(amounts), monthly_volume=draw(amounts))
    return Line(kind=kind, amount=draw(amounts))


def test_each_kind_of_line_over_a_term():
    assert line_total(Line("one_off", Decimal("12000")), 30) == Decimal("12000")
    assert line_total(Line("recurring", Decimal("3000"), "month"), 30) == Decimal("90000")
    assert line_total(Line("recurring", Decimal("30000"), "year"), 30) == Decimal("75000")  # 2.5 years, pro rata
    assert line_total(Line("usage", Decimal("2.50"), monthly_volume=Decimal("50")), 30) == Decimal("3750")


def test_a_line_without_what_it_needs_is_refused():
    with pytest.raises(ValueError):
        Line("recurring", Decimal("1"))
    with pytest.raises(ValueError):
        Line("usage", Decimal("1"))
    with pytest.raises(ValueError):
        Line("monthly", Decimal("1"))


@given(st.lists(lines(), max_size=8), st.lists(lines(), max_size=8), terms)
@example([Line("recurring", Decimal("0.01"), "year")],
         [Line("recurring", Decimal("61692405.94"), "year"),
          Line("usage", Decimal("3297119.45"), monthly_volume=Decimal("57225479.09"))], 53)
def test_totals_are_additive(first, second, term):
    # exact, except that a yearly line over a term that is not whole years divides by 12, and a usage line's product
    # is rounded, at 28 significant digits: the difference is a few units of the 28th digit of the total (at totals
    # near 10^16 that is 10^-11, found by Hypothesis), never more than 10^-26 of it, and never more than 10^-12
    together, apart = term_total(first + second, term), term_total(first, term) + term_total(second, term)
    assert abs(together - apart) <= max(Decimal("1e-12"), abs(together) * Decimal("1e-26"))
    if all(line.period != "year" for line in first + second) or term % 12 == 0:
        assert together == apart


@given(amounts, terms)
def test_a_yearly_price_equals_the_same_price_paid_monthly(yearly, term):
    monthly = Line("recurring", yearly / 12, "month")
    assert abs(line_total(Line("recurring", yearly, "year"), term) - line_total(monthly, term)) < Decimal("1e-15")


@given(st.dictionaries(st.text(min_size=1, max_size=4), positive, min_size=1, max_size=8),
       st.integers(min_value=1, max_value=10))
def test_lowest_ratio_gives_the_lowest_full_marks_and_less_as_price_rises(totals, scale):
    scores = price_scores(totals, formula="lowest_ratio", scale=scale)
    lowest = min(totals.values())
    for key, total in totals.items():
        assert 0 < scores[key] <= scale
        if total == lowest:
            assert scores[key] == scale
    ordered = sorted(totals, key=totals.get)
    for cheaper, dearer in zip(ordered, ordered[1:], strict=False):
        assert scores[cheaper] >= scores[dearer]
        if totals[cheaper] < totals[dearer]:
            assert scores[cheaper] > scores[dearer]


@given(st.dictionaries(st.text(min_size=1, max_size=4), amounts, min_size=1, max_size=8), positive,
       st.integers(min_value=1, max_value=10))
def test_linear_gives_full_marks_at_the_lowest_and_zero_at_the_ceiling(totals, headroom, scale):
    lowest = min(totals.values())
    ceiling = max(totals.values()) + headroom
    with_ceiling = {**totals, "at-ceiling": ceiling, "above": ceiling + 1}
    scores = price_scores(with_ceiling, formula="linear", scale=scale, ceiling=ceiling)
    assert scores["at-ceiling"] == 0 and scores["above"] == 0
    ordered = sorted(with_ceiling, key=with_ceiling.get)
    for cheaper, dearer in zip(ordered, ordered[1:], strict=False):
        assert scores[cheaper] >= scores[dearer]
    for key, total in totals.items():
        if total == lowest:
            assert scores[key] == scale
        assert 0 <= scores[key] <= scale


def test_zero_cost_bids():
    assert price_scores({"a": Decimal(0), "b": Decimal(0)}, formula="lowest_ratio", scale=5) == {"a": 5, "b": 5}
    assert price_scores({"a": Decimal(0), "b": Decimal(10)}, formula="lowest_ratio", scale=5) == {"a": 5, "b": 0}


def test_a_ceiling_at_or_below_the_lowest_cannot_score():
    with pytest.raises(PriceFormulaError, match="not above the lowest"):
        price_scores({"a": Decimal(100), "b": Decimal(200)}, formula="linear", scale=5, ceiling=Decimal(100))
    with pytest.raises(PriceFormulaError, match="needs a ceiling"):
        price_scores({"a": Decimal(100)}, formula="linear", scale=5)
    with pytest.raises(PriceFormulaError):
        price_scores({"a": Decimal(100)}, formula="cheapest", scale=5)


def test_no_priced_bids_no_scores():
    assert price_scores({}, formula="lowest_ratio", scale=5) == {}
