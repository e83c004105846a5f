"""Property tests of the pure scoring engine (hypothesis, no database).

Scores are drawn on the integer grid 0..5 with 1-3 evaluators and weights are integers, so every total is a
multiple of 1/30: real ties are exact and real differences are far larger than the engine's 1e-9 tolerance.
"""

from decimal import Decimal

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from awards.scoring import (
    BidInput,
    Criterion,
    GroupWeight,
    Knockout,
    Scorecard,
    apply_weight_change,
    monte_carlo,
    score_bids,
    sensitivity,
    split_group_weights,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCALE = 5


@st.composite
def integer_weights(draw, min_size=1, max_size=6):
    """Non-negative integer weights summing to 100 (cut points on 0..100)."""
    size = draw(st.integers(min_size, max_size))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=size - 1, max_size=size - 1)))
    bounds = [0, *cuts, 100]
    return [bounds[i + 1] - bounds[i] for i in range(size)]


evaluator_scores = st.lists(st.integers(0, SCALE), min_size=1, max_size=3)


@st.composite
def awards(draw, min_bids=1, max_bids=6, knockouts=False):
    weights = draw(integer_weights())
    criteria = [Criterion(f"c{j}", f"Criterion {j}", w, f"g{j % 2}") for j, w in enumerate(weights)]
    gates = [Knockout("k1", "Gate one"), Knockout("k2", "Gate two")] if knockouts else []
    n_bids = draw(st.integers(min_bids, max_bids))
    bids = []
    for b in range(n_bids):
        scores = {c.key: draw(evaluator_scores) for c in criteria}
        consensus = {c.key: draw(st.integers(0, SCALE)) for c in criteria if draw(st.booleans()) and b % 2}
        gate_values = {g.key: draw(st.sampled_from([True, True, False, None])) for g in gates}
        bids.append(
            BidInput(
                f"b{b}",
                draw(st.sampled_from(["Acme", "beta", "Gamma", "acme"])) + str(b % 3),
                scores,
                consensus,
                gate_values,
            )
        )
    return Scorecard(criteria, gates), bids


def with_weights(card: Scorecard, weights) -> Scorecard:
    criteria = [
        Criterion(c.key, c.label, Decimal(repr(float(w))), c.group) for c, w in zip(card.criteria, weights, strict=True)
    ]
    return Scorecard(criteria, card.knockouts, card.scale)


@SETTINGS
@given(awards(knockouts=True))
def test_totals_lie_within_0_and_100(award):
    card, bids = award
    result = score_bids(card, bids)
    for bid in result.ranking:
        assert 0 <= bid.total <= 100 + 1e-9
        assert abs(sum(g.points for g in bid.groups) - bid.total) < 1e-9
        for group in bid.groups:
            assert group.percent is None or 0 <= group.percent <= 100 + 1e-9


@SETTINGS
@given(awards(), st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal(2), Decimal(3), Decimal(7), Decimal(10)]))
def test_scaling_all_weights_keeps_the_ranking(award, factor):
    card, bids = award
    scaled = Scorecard([Criterion(c.key, c.label, c.weight * factor, c.group) for c in card.criteria])
    before = score_bids(card, bids)
    after = score_bids(scaled, bids, check_weights=False)
    assert [b.key for b in after.ranking] == [b.key for b in before.ranking]
    assert [(t.rule, t.criterion) for t in after.ties] == [(t.rule, t.criterion) for t in before.ties]


@SETTINGS
@given(awards(min_bids=1, max_bids=4), st.data())
def test_a_dominating_bid_never_ranks_below(award, data):
    card, bids = award
    keys = [c.key for c in card.criteria]
    base = {k: data.draw(st.integers(0, SCALE)) for k in keys}
    better = {k: min(SCALE, base[k] + data.draw(st.integers(0, 2))) for k in keys}
    assume(better != base)
    weak = BidInput("weak", data.draw(st.sampled_from(["Aardvark", "Zebra"])), consensus=base)
    strong = BidInput("strong", data.draw(st.sampled_from(["Aardvark", "Zebra"])), consensus=better)
    result = score_bids(card, [*bids, weak, strong])
    assert result.bid("strong").rank < result.bid("weak").rank
    assert result.bid("strong").total >= result.bid("weak").total


@SETTINGS
@given(awards(knockouts=True))
def test_a_knocked_out_bid_is_never_ranked(award):
    card, bids = award
    result = score_bids(card, bids)
    ranked = {b.key for b in result.ranking}
    for bid in bids:
        failed = any(value is False for value in bid.knockouts.values())
        outcome = result.bid(bid.key)
        assert outcome.excluded == failed
        assert (bid.key in ranked) == (not failed)
        assert (outcome.rank is None) == failed
        assert (outcome.exclusion_reason is not None) == failed
    undecided = any(None in b.knockouts.values() for b in bids if b.key in ranked)
    assert result.provisional == undecided
    assert [b.rank for b in result.ranking] == list(range(1, len(result.ranking) + 1))


@SETTINGS
@given(awards(knockouts=True), st.integers(0, 2**32 - 1))
def test_monte_carlo_is_reproducible_and_sums_to_one(award, seed):
    card, bids = award
    result = score_bids(card, bids)
    first = monte_carlo(result, samples=300, seed=seed)
    assert first == monte_carlo(result, samples=300, seed=seed)
    assert [p.bid for p in first.probabilities] == [b.key for b in result.ranking]
    if result.ranking:
        assert abs(sum(p.probability for p in first.probabilities) - 1) < 1e-9
        assert all(0 <= p.probability <= 1 for p in first.probabilities)


def _winner(card: Scorecard, bids, weights) -> str:
    return score_bids(with_weights(card, weights), bids, check_weights=False).winner.key


@SETTINGS
@given(awards(min_bids=2, max_bids=5))
def test_the_sensitivity_threshold_flips_the_winner_and_nothing_smaller_does(award):
    card, bids = award
    result = score_bids(card, bids)
    winner = result.winner.key
    weights = [float(c.weight) for c in card.criteria]
    for k, item in enumerate(sensitivity(result)):
        room_up, room_down = 100 - weights[k], weights[k]
        event(f"increase {'found' if item.increase is not None else 'none'}")
        event(f"decrease {'found' if item.decrease is not None else 'none'}")
        if item.increase is not None:
            assert 0 <= item.increase < room_up
            beyond = item.increase + min(1e-3, (room_up - item.increase) / 2)
            assert item.increase_leader != winner
            assert _winner(card, bids, apply_weight_change(weights, k, beyond)) != winner
            if item.increase > 0:
                short = item.increase - min(1e-3, item.increase / 2)
                assert _winner(card, bids, apply_weight_change(weights, k, short)) == winner
        elif room_up > 0 and room_down < 100:
            for change in (room_up / 2, room_up * 0.999):  # at the very end a tie may go either way
                assert _winner(card, bids, apply_weight_change(weights, k, change)) == winner
        if item.decrease is not None:
            assert 0 <= item.decrease < room_down
            beyond = item.decrease + min(1e-3, (room_down - item.decrease) / 2)
            assert item.decrease_leader != winner
            assert _winner(card, bids, apply_weight_change(weights, k, -beyond)) != winner
            if item.decrease > 0:
                short = item.decrease - min(1e-3, item.decrease / 2)
                assert _winner(card, bids, apply_weight_change(weights, k, -short)) == winner
        elif room_down > 0 and room_up > 0:
            for change in (room_down / 2, room_down * 0.999):
                assert _winner(card, bids, apply_weight_change(weights, k, -change)) == winner


@SETTINGS
@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    st.lists(st.lists(st.integers(0, 9), min_size=1, max_size=5), min_size=6, max_size=6),
    st.integers(0, 3),
)
def test_group_split_is_exact(raw_groups, raw_shares, places):
    assume(sum(raw_groups) > 0)
    # group weights in hundredths summing to exactly 100.00
    total = sum(raw_groups)
    cents = [g * 10_000 // total for g in raw_groups]
    cents[-1] += 10_000 - sum(cents)
    groups = []
    for g, amount in enumerate(cents):
        shares = {f"g{g}c{j}": s for j, s in enumerate(raw_shares[g])}
        if amount and not any(shares.values()):
            shares[f"g{g}c0"] = 1
        groups.append(GroupWeight(f"g{g}", Decimal(amount) / 100, shares))
    weights = split_group_weights(groups, places=places)
    assert sum(weights.values()) == Decimal(100)
    assert all(w >= 0 and w.as_tuple().exponent == -places for w in weights.values())
    if places >= 2:  # the group weights are already exact at this precision
        for group in groups:
            assert sum(weights[key] for key in group.shares) == group.weight


@SETTINGS
@given(awards(max_bids=3), st.sampled_from([5, 10, 100]))
def test_spread_flags_follow_the_scaled_threshold(award, scale):
    card, bids = award
    factor = scale // SCALE
    card = Scorecard(card.criteria, card.knockouts, scale)
    bids = [BidInput(b.key, b.label, {k: [v * factor for v in vs] for k, vs in b.scores.items()}) for b in bids]
    result = score_bids(card, bids)
    for spread in result.spreads:
        assert spread.flagged == (spread.count >= 2 and spread.range >= 2 * scale / 5)
        assert 0 <= spread.std_dev <= spread.range / 2 + 1e-12
        assert spread.minimum <= spread.mean <= spread.maximum
