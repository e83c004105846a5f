"""The engine's computed criterion (issue 20): the price score replaces evaluators' mean and consensus; a missing
one makes the ranking provisional with its own reason. No database."""

from decimal import Decimal

import pytest

from awards import scoring

CARD = scoring.Scorecard(criteria=[scoring.Criterion("quality", "Quality", Decimal(60)),
                                   scoring.Criterion("price", "Price", Decimal(40))])


def test_a_computed_score_replaces_mean_and_consensus():
    bid = scoring.BidInput("1", "Alpha", scores={"quality": [4, 2], "price": [1]}, consensus={"price": 1},
                           computed={"price": Decimal("2.5")})
    result = scoring.score_bids(CARD, [bid])
    row = result.bid("1")
    assert row.scores["price"] == 2.5 and row.score_sources["price"] == "computed"
    assert row.total == pytest.approx(60 * 3 / 5 + 40 * 2.5 / 5)
    assert not result.provisional


def test_a_missing_computed_score_counts_zero_and_makes_the_ranking_provisional():
    bids = [scoring.BidInput("1", "Alpha", scores={"quality": [4]}, computed={"price": None}),
            scoring.BidInput("2", "Beta", scores={"quality": [3]}, computed={"price": 5})]
    result = scoring.score_bids(CARD, bids)
    assert result.bid("1").score_sources["price"] == "missing"
    assert result.bid("1").total == pytest.approx(48)
    assert result.provisional_reasons == ("Alpha: no computed score for Price",)


def test_a_computed_score_off_the_scale_is_refused():
    with pytest.raises(scoring.ScoringError, match="computed score"):
        scoring.score_bids(CARD, [scoring.BidInput("1", "Alpha", scores={"quality": [4]}, computed={"price": 6})])
