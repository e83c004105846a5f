"""Benchmark of the pure scoring engine (part of ``make bench``).

Generates a seeded award of 40 bids x 120 criteria (12 groups) x 12 evaluators with three knockouts,
some consensus scores, then times:

* ranking + spread + sensitivity (``score_bids`` + ``sensitivity``), target <= 100 ms;
* the Monte Carlo over 10,000 perturbed weight samples (``monte_carlo``), target <= 300 ms.

Run: ``python -m tests.bench.scoring`` (or call ``main()``). Prints the best and median of several runs.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from awards.scoring import (
    BidInput,
    Criterion,
    GroupWeight,
    Knockout,
    Scorecard,
    monte_carlo,
    score_bids,
    sensitivity,
    split_group_weights,
)

BIDS, CRITERIA, EVALUATORS, GROUPS = 40, 120, 12, 12
RANKING_TARGET_MS, MONTE_CARLO_TARGET_MS = 100.0, 300.0


def build_award(
    seed: int = 2026, *, bids: int = BIDS, criteria: int = CRITERIA, evaluators: int = EVALUATORS
) -> tuple[Scorecard, list[BidInput], set[tuple[str, str]]]:
    """A reproducible scorecard, bids and resolved-flag set of the given size."""
    rng = random.Random(seed)
    per_group = max(1, criteria // GROUPS)
    keys = [f"c{j:03d}" for j in range(criteria)]
    chunks = [keys[g : g + per_group] for g in range(0, criteria, per_group)]
    group_weights = [rng.randint(5, 15) for _ in chunks]
    scaled = [round(w * 100 / sum(group_weights), 2) for w in group_weights]
    scaled[-1] = round(100 - sum(scaled[:-1]), 2)
    groups = [
        GroupWeight(key=f"g{g:02d}", weight=str(scaled[g]), shares={k: rng.randint(1, 5) for k in chunk})
        for g, chunk in enumerate(chunks)
    ]
    weights = split_group_weights(groups)
    group_of = {k: g.key for g in groups for k in g.shares}
    card = Scorecard(
        criteria=[Criterion(k, f"Criterion {k}", weights[k], group_of[k]) for k in keys],
        knockouts=[Knockout("k1", "Data residency"), Knockout("k2", "Insurance"), Knockout("k3", "Sanctions")],
    )
    bid_inputs = []
    resolved: set[tuple[str, str]] = set()
    for b in range(bids):
        quality = rng.uniform(1.5, 4.0)
        scores = {k: [min(5, max(0, round(rng.gauss(quality, 0.8)))) for _ in range(evaluators)] for k in keys}
        consensus = {k: rng.randint(0, 5) for k in rng.sample(keys, 5)}
        resolved.update((f"b{b:02d}", k) for k in consensus)
        knockouts = {"k1": True, "k2": True, "k3": b % 13 != 7}
        bid_inputs.append(BidInput(f"b{b:02d}", f"Vendor {b:02d}", scores, consensus, knockouts))
    return card, bid_inputs, resolved


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    card, bids, resolved = build_award()

    def ranking() -> None:
        sensitivity(score_bids(card, bids, resolved=resolved))

    result = score_bids(card, bids, resolved=resolved)
    ranking_ms = _time(ranking, 7)
    mc_ms = _time(lambda: monte_carlo(result, samples=10_000, seed=1), 7)
    mc = monte_carlo(result, samples=10_000, seed=1)
    top = max(mc.probabilities, key=lambda item: item.probability)
    print(f"size: {BIDS} bids x {CRITERIA} criteria x {EVALUATORS} evaluators ({len(result.excluded)} knocked out)")
    print(
        f"ranking + spread + sensitivity: best {min(ranking_ms):.1f} ms, median {statistics.median(ranking_ms):.1f} ms"
        f" (target <= {RANKING_TARGET_MS:.0f} ms)"
    )
    print(
        f"monte carlo 10,000 samples:     best {min(mc_ms):.1f} ms, median {statistics.median(mc_ms):.1f} ms"
        f" (target <= {MONTE_CARLO_TARGET_MS:.0f} ms)"
    )
    print(f"winner {result.winner.label}; most often first: {top.label} ({top.probability:.1%})")
    ok = statistics.median(ranking_ms) <= RANKING_TARGET_MS and statistics.median(mc_ms) <= MONTE_CARLO_TARGET_MS
    print("within targets" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
