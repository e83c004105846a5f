"""Example tests of the pure scoring engine, with hand-computed numbers (no database)."""

from decimal import Decimal

import numpy as np
import pytest

from awards.scoring import (
    BidInput,
    Criterion,
    GroupWeight,
    Knockout,
    Scorecard,
    ScoringError,
    apply_weight_change,
    debrief_groups,
    disagreement_threshold,
    format_number,
    monte_carlo,
    score_bids,
    sensitivity,
    split_group_weights,
    validate_weights,
    weight_total_message,
)

# Price 40 and Support 10 are "Commercial" (50); Quality 30 and Security 20 are "Technical" (50).
CARD = Scorecard(
    criteria=[
        Criterion("price", "Price", Decimal("40"), "Commercial"),
        Criterion("quality", "Quality", Decimal("30"), "Technical"),
        Criterion("security", "Security", Decimal("20"), "Technical"),
        Criterion("support", "Support", Decimal("10"), "Commercial"),
    ],
    knockouts=[Knockout("gdpr", "GDPR processing terms"), Knockout("ins", "Liability insurance")],
)

ALPHA = BidInput(
    "A",
    "Alpha",
    scores={"price": [4, 4], "quality": [3, 5], "security": [5], "support": [2, 4]},
    knockouts={"gdpr": True, "ins": True},
)
BRAVO = BidInput(
    "B",
    "Bravo",
    scores={"price": [5, 5], "quality": [2, 4], "security": [3, 3], "support": [5]},
    consensus={"quality": 2},
    knockouts={"gdpr": True, "ins": True},
)
CHARLIE = BidInput(  # would win on points but fails a knockout
    "C",
    "Charlie",
    scores={"price": [1, 5], "quality": [5], "security": [5], "support": [5]},
    knockouts={"gdpr": False, "ins": True},
)


def result_of(*bids, card=CARD, **kwargs):
    return score_bids(card, list(bids), **kwargs)


class TestWeightedTotals:
    def test_mean_of_submitted_scores_weighted_on_0_to_100(self):
        result = result_of(ALPHA)
        alpha = result.bid("A")
        assert alpha.scores == {"price": 4.0, "quality": 4.0, "security": 5.0, "support": 3.0}
        assert set(alpha.score_sources.values()) == {"mean"}
        # 40*4/5 + 30*4/5 + 20*5/5 + 10*3/5 = 32 + 24 + 20 + 6
        assert alpha.total == pytest.approx(82.0)

    def test_consensus_replaces_the_mean(self):
        bravo = result_of(BRAVO).bid("B")
        assert bravo.scores["quality"] == 2.0  # the mean would be 3
        assert bravo.score_sources["quality"] == "consensus"
        assert bravo.score_sources["price"] == "mean"
        # 40 + 30*2/5 + 20*3/5 + 10 = 40 + 12 + 12 + 10
        assert bravo.total == pytest.approx(74.0)

    def test_consensus_without_evaluator_scores_counts(self):
        bid = BidInput("A", "Alpha", consensus={"price": 5, "quality": 5, "security": 5, "support": 5})
        result = result_of(bid)
        assert result.bid("A").total == pytest.approx(100.0)
        assert result.bid("A").missing_criteria == ()

    def test_totals_are_not_rounded_and_display_rounding_is_separate(self):
        bid = BidInput("A", "Alpha", scores={"price": [1, 1, 2], "quality": [0], "security": [0], "support": [0]})
        total = result_of(bid).bid("A").total
        assert total == pytest.approx(40 * (4 / 3) / 5)  # 10.666...
        assert format_number(total) == "10.67"
        assert format_number(None) == "\u2013"
        assert format_number(-0.0001) == "0.00"

    def test_other_scales(self):
        card = Scorecard([Criterion("x", "X", 60), Criterion("y", "Y", 40)], scale=10)
        result = score_bids(card, [BidInput("A", "Alpha", scores={"x": [10], "y": [5]})])
        assert result.bid("A").total == pytest.approx(60 + 20)

    def test_missing_score_counts_zero_and_makes_the_ranking_provisional(self):
        bid = BidInput("A", "Alpha", scores={"price": [5], "quality": [5]}, knockouts={"gdpr": True, "ins": True})
        result = result_of(bid)
        alpha = result.bid("A")
        assert alpha.total == pytest.approx(70.0)
        assert alpha.scores["security"] is None
        assert alpha.score_sources["security"] == "missing"
        assert alpha.missing_criteria == ("security", "support")
        assert result.provisional
        assert result.provisional_reasons == ("Alpha: no score yet for 2 criteria (Security, Support)",)


class TestKnockouts:
    def test_failed_knockout_excludes_the_bid_with_the_reason(self):
        result = result_of(ALPHA, BRAVO, CHARLIE)
        charlie = result.bid("C")
        assert charlie.excluded
        assert charlie.rank is None
        assert charlie.total is None
        assert charlie.groups == ()
        assert charlie.exclusion_reason == "Failed knockout: GDPR processing terms"
        assert charlie.failed_knockouts == ("gdpr",)
        assert [b.key for b in result.ranking] == ["A", "B"]
        assert [b.key for b in result.excluded] == ["C"]
        assert not result.provisional

    def test_several_failed_knockouts_are_all_named(self):
        bid = BidInput("A", "Alpha", scores={}, knockouts={"gdpr": False, "ins": False})
        assert result_of(bid).bid("A").exclusion_reason == (
            "Failed knockouts: GDPR processing terms, Liability insurance"
        )

    def test_undecided_knockout_ranks_provisionally_and_says_so(self):
        delta = BidInput(
            "D",
            "Delta",
            scores={"price": [3], "quality": [3], "security": [3], "support": [3]},
            knockouts={"gdpr": True},  # "ins" not given: undecided
        )
        result = result_of(ALPHA, delta)
        assert [b.key for b in result.ranking] == ["A", "D"]
        assert result.bid("D").undecided_knockouts == ("ins",)
        assert result.bid("D").provisional
        assert result.provisional
        assert result.provisional_reasons == ("Delta: knockout \u201cLiability insurance\u201d is undecided",)
        outcome = {k.key: k.passed for k in result.bid("D").knockouts}
        assert outcome == {"gdpr": True, "ins": None}

    def test_failure_wins_over_undecided(self):
        bid = BidInput("A", "Alpha", knockouts={"gdpr": False, "ins": None})
        result = result_of(bid)
        assert result.bid("A").excluded
        assert not result.provisional  # an excluded bid does not make the ranking provisional


class TestRankingAndTieBreak:
    def test_higher_total_first_without_ties(self):
        result = result_of(BRAVO, ALPHA)
        assert [(b.key, b.rank) for b in result.ranking] == [("A", 1), ("B", 2)]
        assert result.winner.key == "A"
        assert result.ties == ()
        assert result.bid("B").tie_break is None

    def test_tie_broken_on_the_heaviest_criterion(self):
        card = Scorecard([Criterion("x", "Fit", 60), Criterion("y", "Cost", 40)])
        p = BidInput("P", "Papa", consensus={"x": 4, "y": 2})  # 48 + 16 = 64
        q = BidInput("Q", "Quebec", consensus={"x": 3, "y": 3.5})  # 36 + 28 = 64
        result = score_bids(card, [q, p])
        assert [b.key for b in result.ranking] == ["P", "Q"]
        (tie,) = result.ties
        assert (tie.above, tie.below, tie.rule, tie.criterion) == ("P", "Q", "criterion", "x")
        assert tie.explanation == (
            "Papa and Quebec tie on total (64.00); Papa ranks higher on Fit (weight 60), "
            "the heaviest criterion: 4.00 vs 3.00"
        )
        assert result.bid("Q").tie_break == tie

    def test_tie_broken_on_the_next_heaviest_criterion(self):
        card = Scorecard([Criterion("z", "Zeta", 20), Criterion("x", "Xi", 50), Criterion("y", "Ypsilon", 30)])
        p = BidInput("P", "Papa", consensus={"x": 3, "y": 4, "z": 2})  # 30 + 24 + 8 = 62
        q = BidInput("Q", "Quebec", consensus={"x": 3, "y": 2, "z": 5})  # 30 + 12 + 20 = 62
        result = score_bids(card, [q, p])
        assert [b.key for b in result.ranking] == ["P", "Q"]
        (tie,) = result.ties
        assert tie.criterion == "y"
        assert "the heaviest criterion on which they differ" in tie.explanation

    def test_equal_weights_follow_scorecard_order_in_the_tie_break(self):
        card = Scorecard([Criterion("a", "A", 50), Criterion("b", "B", 50)])
        p = BidInput("P", "Papa", consensus={"a": 2, "b": 4})
        q = BidInput("Q", "Quebec", consensus={"a": 4, "b": 2})
        result = score_bids(card, [p, q])
        assert [b.key for b in result.ranking] == ["Q", "P"]
        assert result.ties[0].criterion == "a"

    def test_identical_scores_ordered_alphabetically_case_insensitive(self):
        card = Scorecard([Criterion("a", "A", 100)])
        bids = [BidInput(k, label, consensus={"a": 3}) for k, label in [("1", "beta"), ("2", "Alpha"), ("3", "gamma")]]
        result = score_bids(card, bids)
        assert [b.label for b in result.ranking] == ["Alpha", "beta", "gamma"]
        assert [t.rule for t in result.ties] == ["label", "label"]
        assert result.ties[0].explanation == (
            "Alpha and beta tie on total (60.00) and on every criterion; ordered alphabetically by name"
        )
        assert [b.rank for b in result.ranking] == [1, 2, 3]

    def test_identical_labels_fall_back_to_the_key(self):
        card = Scorecard([Criterion("a", "A", 100)])
        result = score_bids(
            card, [BidInput("k2", "Same", consensus={"a": 1}), BidInput("k1", "Same", consensus={"a": 1})]
        )
        assert [b.key for b in result.ranking] == ["k1", "k2"]
        assert result.ties[0].rule == "key"

    def test_float_noise_does_not_break_ties(self):
        card = Scorecard([Criterion("a", "A", Decimal("33.3")), Criterion("b", "B", Decimal("66.7"))])
        p = BidInput("P", "Papa", scores={"a": [0.1, 0.2, 0.3], "b": [1]})
        q = BidInput("Q", "Quebec", scores={"a": [0.3, 0.2, 0.1], "b": [1]})
        result = score_bids(card, [q, p])
        assert result.ties and result.ties[0].rule == "label"


class TestSpread:
    def test_range_and_population_standard_deviation(self):
        card = Scorecard([Criterion("a", "A", 100)], scale=10)
        bid = BidInput("A", "Alpha", scores={"a": [2, 4, 4, 4, 5, 5, 7, 9]})
        (spread,) = score_bids(card, [bid]).spreads
        assert (spread.count, spread.mean, spread.minimum, spread.maximum) == (8, 5.0, 2.0, 9.0)
        assert spread.range == 7.0
        assert spread.std_dev == pytest.approx(2.0)  # population; the sample std dev would be 2.138

    def test_two_points_apart_on_0_to_5_is_flagged(self):
        bids = [
            BidInput("A", "Alpha", scores={"price": [1, 3], "quality": [1, 2.9], "security": [4], "support": [0, 5]}),
        ]
        result = result_of(*bids, resolved={("A", "support")})
        spreads = {s.criterion: s for s in result.spreads}
        assert spreads["price"].flagged and not spreads["price"].resolved
        assert spreads["price"].needs_consensus
        assert not spreads["quality"].flagged  # 1.9 apart
        assert not spreads["security"].flagged  # a single evaluator never disagrees
        assert spreads["support"].flagged and spreads["support"].resolved
        assert not spreads["support"].needs_consensus
        assert [s.criterion for s in result.flags] == ["price", "support"]
        assert [s.criterion for s in result.unresolved_flags] == ["price"]
        assert result.threshold == 2.0

    def test_threshold_scales_with_the_scale(self):
        assert disagreement_threshold(5) == 2.0
        assert disagreement_threshold(10) == 4.0
        assert disagreement_threshold(100) == 40.0
        card = Scorecard([Criterion("a", "A", 50), Criterion("b", "B", 50)], scale=10)
        bid = BidInput("A", "Alpha", scores={"a": [2, 5], "b": [2, 6]})
        result = score_bids(card, [bid])
        assert {s.criterion: s.flagged for s in result.spreads} == {"a": False, "b": True}
        assert result.threshold == 4.0

    def test_spread_ignores_consensus_and_covers_knocked_out_bids(self):
        result = result_of(BRAVO, CHARLIE)
        quality = next(s for s in result.spreads if (s.bid, s.criterion) == ("B", "quality"))
        assert quality.mean == 3.0 and quality.flagged
        assert any(s.bid == "C" and s.criterion == "price" and s.flagged for s in result.spreads)

    def test_cells_without_scores_have_no_spread(self):
        bid = BidInput("A", "Alpha", scores={"price": [3]}, consensus={"quality": 4})
        assert [s.criterion for s in result_of(bid).spreads] == ["price"]


class TestGroupScores:
    def test_group_points_and_percent(self):
        alpha = result_of(ALPHA).bid("A")
        groups = {g.group: g for g in alpha.groups}
        assert list(groups) == ["Commercial", "Technical"]
        # Commercial: price 40*4/5 = 32, support 10*3/5 = 6 -> 38 of 50 = 76 %
        assert groups["Commercial"].weight == 50.0
        assert groups["Commercial"].points == pytest.approx(38.0)
        assert groups["Commercial"].percent == pytest.approx(76.0)
        # Technical: quality 30*4/5 = 24, security 20 -> 44 of 50 = 88 %
        assert groups["Technical"].points == pytest.approx(44.0)
        assert groups["Technical"].percent == pytest.approx(88.0)
        assert sum(g.points for g in alpha.groups) == pytest.approx(alpha.total)

    def test_group_without_weight_has_no_percent(self):
        card = Scorecard([Criterion("a", "A", 100, "Main"), Criterion("b", "B", 0, "Info")])
        result = score_bids(card, [BidInput("A", "Alpha", consensus={"a": 5, "b": 5})])
        info = next(g for g in result.bid("A").groups if g.group == "Info")
        assert (info.weight, info.points, info.percent) == (0.0, 0.0, None)


class TestDebrief:
    def test_own_group_scores_against_the_winner(self):
        result = result_of(ALPHA, BRAVO, CHARLIE)
        lines = {line.group: line for line in debrief_groups(result, "B")}
        # Bravo: Commercial 40 + 10 = 50 of 50; Technical 12 + 12 = 24 of 50. Alpha (winner): 38 and 44.
        assert lines["Commercial"].points == pytest.approx(50.0)
        assert lines["Commercial"].percent == pytest.approx(100.0)
        assert lines["Commercial"].winner_points == pytest.approx(38.0)
        assert lines["Technical"].percent == pytest.approx(48.0)
        assert lines["Technical"].winner_percent == pytest.approx(88.0)
        assert debrief_groups(result, "C") == ()  # knocked out: the reason is the debrief
        with pytest.raises(KeyError):
            debrief_groups(result, "nope")


class TestWeightValidation:
    def test_exact_hundred_is_valid(self):
        assert validate_weights(CARD.criteria) == []
        assert validate_weights({"a": "33.3", "b": "33.3", "c": "33.4"}) == []
        assert weight_total_message(100) is None

    def test_message_says_how_much_to_add(self):
        assert validate_weights({"a": Decimal("60"), "b": Decimal("37.5")}) == ["weights sum to 97.5; add 2.5"]

    def test_message_says_how_much_to_remove(self):
        assert validate_weights({"a": 60, "b": 42}) == ["weights sum to 102; remove 2"]
        assert weight_total_message(Decimal("100.25")) == "weights sum to 100.25; remove 0.25"

    def test_floats_are_taken_at_face_value(self):
        assert validate_weights({"a": 0.1, "b": 0.2, "c": 99.7}) == []  # 0.1 + 0.2 != 0.3 in binary

    def test_negative_and_empty(self):
        assert validate_weights({"a": -10, "b": 110}) == ["weight of a is negative (-10)"]
        assert validate_weights([]) == ["the scorecard has no criteria"]

    def test_score_bids_refuses_invalid_weights(self):
        card = Scorecard([Criterion("a", "A", 60), Criterion("b", "B", "37.5")])
        with pytest.raises(ScoringError, match=r"weights sum to 97.5; add 2.5"):
            score_bids(card, [])
        assert score_bids(card, [], check_weights=False).ranking == ()


class TestGroupWeightSplit:
    def test_equal_shares_round_so_the_group_total_is_exact(self):
        weights = split_group_weights(
            [
                GroupWeight("tech", Decimal("40"), {"a": 1, "b": 1, "c": 1}),
                GroupWeight("commercial", Decimal("60"), {"d": 2, "e": 1}),
            ]
        )
        assert weights == {
            "a": Decimal("13.34"),
            "b": Decimal("13.33"),
            "c": Decimal("13.33"),
            "d": Decimal("40.00"),
            "e": Decimal("20.00"),
        }
        assert sum(weights.values()) == Decimal("100")
        assert validate_weights(weights) == []

    def test_largest_remainder_gets_the_extra_unit(self):
        weights = split_group_weights([GroupWeight("g", 100, {"a": 1, "b": 2, "c": 4})], places=1)
        # exact: 14.2857, 28.5714, 57.1429 -> floors 14.2, 28.5, 57.1 (99.8): two units of 0.1 left;
        # remainders a .0857, b .0714, c .0429 -> the two units go to a and b.
        assert weights == {"a": Decimal("14.3"), "b": Decimal("28.6"), "c": Decimal("57.1")}
        assert sum(weights.values()) == 100

    def test_group_weights_with_more_decimals_are_apportioned_too(self):
        third = Decimal(100) / 3  # 33.33333333333333333333333333
        groups = [
            GroupWeight("a", third, {"a1": 1}),
            GroupWeight("b", third, {"b1": 1}),
            GroupWeight("c", Decimal(100) - 2 * third, {"c1": 1, "c2": 1}),
        ]
        weights = split_group_weights(groups)
        assert sum(weights.values()) == Decimal("100.00")
        assert all(value.as_tuple().exponent == -2 for value in weights.values())
        assert weights["a1"] + weights["b1"] + weights["c1"] + weights["c2"] == 100

    def test_zero_share_and_zero_group(self):
        weights = split_group_weights(
            [GroupWeight("g", 100, {"a": 3, "b": 0}), GroupWeight("info", 0, {"c": 1})], places=0
        )
        assert weights == {"a": Decimal("100"), "b": Decimal("0"), "c": Decimal("0")}

    @pytest.mark.parametrize(
        ("groups", "message"),
        [
            ([GroupWeight("g", 90, {"a": 1})], "group weights sum to 90; add 10"),
            ([GroupWeight("g", 100, {"a": 0})], "carries weight but none of its criteria has a share"),
            ([GroupWeight("g", 100, {})], "carries weight but none of its criteria has a share"),
            ([GroupWeight("g", 50, {"a": 1}), GroupWeight("h", 50, {"a": 1})], "duplicate criterion key 'a'"),
            ([GroupWeight("g", 100, {"a": -1, "b": 2})], "negative share"),
            ([GroupWeight("g", -1, {"a": 1}), GroupWeight("h", 101, {"b": 1})], "negative"),
        ],
    )
    def test_invalid_groups(self, groups, message):
        with pytest.raises(ScoringError, match=message):
            split_group_weights(groups)


class TestInputErrors:
    @pytest.mark.parametrize(
        ("bid", "message"),
        [
            (BidInput("A", "Alpha", scores={"nope": [1]}), "unknown criterion 'nope'"),
            (BidInput("A", "Alpha", scores={"price": [6]}), r"evaluator scores must lie in 0\.\.5"),
            (BidInput("A", "Alpha", scores={"price": [-1]}), r"evaluator scores must lie in 0\.\.5"),
            (BidInput("A", "Alpha", scores={"price": [float("nan")]}), "finite"),
            (BidInput("A", "Alpha", consensus={"price": 5.5}), r"consensus score must lie in 0\.\.5"),
            (BidInput("A", "Alpha", consensus={"nope": 1}), "unknown criterion 'nope' in consensus"),
            (BidInput("A", "Alpha", knockouts={"nope": True}), "unknown knockout 'nope'"),
            (BidInput("A", "Alpha", knockouts={"gdpr": "yes"}), "use True, False or None"),
        ],
    )
    def test_bad_bid(self, bid, message):
        with pytest.raises(ScoringError, match=message):
            result_of(bid)

    def test_duplicates_and_scale(self):
        with pytest.raises(ScoringError, match="duplicate bid key"):
            result_of(ALPHA, ALPHA)
        with pytest.raises(ScoringError, match="duplicate criterion key"):
            Scorecard([Criterion("a", "A", 50), Criterion("a", "B", 50)])
        with pytest.raises(ScoringError, match="scale must be positive"):
            Scorecard([Criterion("a", "A", 100)], scale=0)

    def test_decimal_scores_are_accepted(self):
        bid = BidInput(
            "A", "Alpha", scores={"price": [Decimal("4.5"), Decimal("3.5")]}, consensus={"support": Decimal(5)}
        )
        alpha = result_of(bid).bid("A")
        assert alpha.scores["price"] == 4.0 and alpha.scores["support"] == 5.0


class TestSensitivity:
    # Two criteria at 50/50. Papa: X 5, Y 0 -> 50. Quebec: X 0, Y 4 -> 40.
    # With X at x (Y = 100 - x): Papa = x, Quebec = 0.8 (100 - x); they cross at x = 80 / 1.8 = 44.44...
    CARD = Scorecard([Criterion("x", "Fit", 50), Criterion("y", "Cost", 50)])
    BIDS = [BidInput("P", "Papa", consensus={"x": 5, "y": 0}), BidInput("Q", "Quebec", consensus={"x": 0, "y": 4})]

    def test_hand_computed_thresholds(self):
        items = {i.criterion: i for i in sensitivity(score_bids(self.CARD, self.BIDS))}
        fit, cost = items["x"], items["y"]
        assert fit.increase is None
        assert fit.decrease == pytest.approx(50 - 80 / 1.8)  # 5.5556
        assert fit.decrease_leader == "Q"
        assert cost.increase == pytest.approx(100 / 1.8 - 50)
        assert cost.decrease is None
        assert fit.message == (
            "The winner (Papa) holds unless Fit\u2019s weight moves by \u22125.56 points (Quebec would lead); "
            "no increase changes it"
        )
        assert cost.message == (
            "The winner (Papa) holds unless Cost\u2019s weight moves by +5.56 points (Quebec would lead); "
            "no decrease changes it"
        )

    def test_applying_the_threshold_flips_the_winner(self):
        result = score_bids(self.CARD, self.BIDS)
        fit = sensitivity(result)[0]
        for change, winner in [(-(fit.decrease + 1e-6), "Q"), (-(fit.decrease - 1e-6), "P")]:
            weights = apply_weight_change([50, 50], 0, change)
            card = Scorecard([Criterion("x", "Fit", float(weights[0])), Criterion("y", "Cost", float(weights[1]))])
            assert score_bids(card, self.BIDS, check_weights=False).winner.key == winner

    def test_robust_winner_and_single_bid(self):
        card = Scorecard([Criterion("x", "Fit", 50), Criterion("y", "Cost", 50)])
        bids = [BidInput("P", "Papa", consensus={"x": 5, "y": 5}), BidInput("Q", "Quebec", consensus={"x": 1, "y": 1})]
        items = sensitivity(score_bids(card, bids))
        assert all(i.increase is None and i.decrease is None for i in items)
        assert items[0].message == "Papa stays first whatever Fit\u2019s weight (0\u2013100)"
        assert all(i.increase is None for i in sensitivity(score_bids(card, bids[:1])))
        assert sensitivity(score_bids(card, [])) == ()

    def test_tied_runner_up_flips_at_once(self):
        card = Scorecard([Criterion("x", "Fit", 60), Criterion("y", "Cost", 40)])
        bids = [
            BidInput("P", "Papa", consensus={"x": 4, "y": 2}),
            BidInput("Q", "Quebec", consensus={"x": 3, "y": 3.5}),
        ]
        fit, cost = sensitivity(score_bids(card, bids))
        assert fit.decrease == 0.0 and fit.decrease_leader == "Q"
        assert cost.increase == 0.0
        assert fit.increase is None

    def test_criterion_holding_all_the_weight(self):
        card = Scorecard([Criterion("x", "Fit", 100), Criterion("y", "Cost", 0)])
        bids = [BidInput("P", "Papa", consensus={"x": 5, "y": 0}), BidInput("Q", "Quebec", consensus={"x": 4, "y": 5})]
        fit, cost = sensitivity(score_bids(card, bids))
        assert fit.increase is None and fit.decrease is None  # renormalisation undefined
        # Cost at y (Fit = 100 - y): Papa = 100 - y, Quebec = 0.8 (100 - y) + y = 80 + 0.2 y -> y = 20 / 1.2
        assert cost.increase == pytest.approx(100 / 6)
        assert cost.decrease is None

    def test_knocked_out_bids_are_ignored(self):
        card = Scorecard(self.CARD.criteria, knockouts=[Knockout("k", "K")])
        bids = [BidInput(b.key, b.label, consensus=b.consensus, knockouts={"k": True}) for b in self.BIDS] + [
            BidInput("Z", "Zulu", consensus={"x": 5, "y": 5}, knockouts={"k": False})
        ]
        result = score_bids(card, bids)
        assert result.winner.key == "P"
        assert sensitivity(result)[0].decrease == pytest.approx(50 - 80 / 1.8)

    def test_apply_weight_change_keeps_the_total(self):
        weights = apply_weight_change([40, 30, 20, 10], 0, 10)
        assert weights.tolist() == pytest.approx([50, 25, 50 / 3, 25 / 3])
        assert weights.sum() == pytest.approx(100)
        with pytest.raises(ScoringError):
            apply_weight_change([40, 60], 0, 70)
        with pytest.raises(ScoringError):
            apply_weight_change([100, 0], 0, -1)


class TestMonteCarlo:
    def test_reproducible_and_sums_to_one(self):
        result = result_of(ALPHA, BRAVO, CHARLIE)
        first = monte_carlo(result, seed=7)
        again = monte_carlo(result, seed=7)
        assert first == again
        assert first.samples == 10_000 and first.spread == 0.25
        assert [p.bid for p in first.probabilities] == ["A", "B"]  # knocked-out Charlie takes no part
        assert sum(p.probability for p in first.probabilities) == pytest.approx(1.0, abs=1e-12)

    def test_clear_winner_always_wins(self):
        # Alpha - Bravo per criterion (weight x difference / 5): price -8, quality +12, security +8, support -4 = +8.
        # Even the worst corner (price, support x1.25; quality, security x0.75) only reaches -10 + 9 + 6 - 5 = 0.
        mc = monte_carlo(result_of(ALPHA, BRAVO), seed=1)
        assert mc.probability_of("A") == 1.0
        assert mc.probability_of("B") == 0.0
        with pytest.raises(KeyError):
            mc.probability_of("C")

    def test_identical_bids_split_each_sample(self):
        card = Scorecard([Criterion("x", "X", 50), Criterion("y", "Y", 50)])
        bids = [BidInput("P", "Papa", consensus={"x": 3, "y": 4}), BidInput("Q", "Quebec", consensus={"x": 3, "y": 4})]
        mc = monte_carlo(score_bids(card, bids), samples=1000, seed=3)
        assert [p.probability for p in mc.probabilities] == [0.5, 0.5]

    def test_close_contest_is_uncertain_and_seed_matters(self):
        card = Scorecard([Criterion("x", "X", 50), Criterion("y", "Y", 50)])
        bids = [
            BidInput("P", "Papa", consensus={"x": 5, "y": 3}),
            BidInput("Q", "Quebec", consensus={"x": 3, "y": 4.9}),
        ]
        result = score_bids(card, bids)
        a = monte_carlo(result, samples=2000, seed=1)
        b = monte_carlo(result, samples=2000, seed=2)
        assert 0.0 < a.probability_of("Q") < a.probability_of("P") < 1.0
        assert a != b

    def test_no_spread_reproduces_the_ranking(self):
        mc = monte_carlo(result_of(ALPHA, BRAVO), samples=10, spread=0.0)
        assert mc.probability_of("A") == 1.0

    def test_empty_and_invalid(self):
        assert monte_carlo(result_of(CHARLIE)).probabilities == ()
        with pytest.raises(ScoringError):
            monte_carlo(result_of(ALPHA), samples=0)
        with pytest.raises(ScoringError):
            monte_carlo(result_of(ALPHA), spread=1.0)

    def test_provisional_is_carried_over(self):
        delta = BidInput("D", "Delta", consensus={"price": 1})
        assert monte_carlo(result_of(ALPHA, delta), samples=10).provisional


def test_result_keeps_numpy_out_of_the_public_fields():
    result = result_of(ALPHA, BRAVO)
    for bid in result.bids:
        assert all(isinstance(v, float) for v in bid.scores.values())
        assert isinstance(bid.total, float)
    assert isinstance(result._scores, np.ndarray)
