"""Pure scoring engine for weighted scorecards (issue 5).

Nothing here touches Django or the ORM: the functions take plain frozen dataclasses (plus NumPy
internally) and return plain frozen dataclasses, so they can be tested without a database and
reused for the page, the PDF, the memo snapshot and the debriefs.

Input model
===========

``Scorecard(criteria, knockouts=(), scale=5)``
    ``criteria`` is an ordered sequence of :class:`Criterion` ``(key, label, weight, group="")``.
    ``weight`` is the *effective* weight of the criterion (a ``Decimal``; ints, strings and floats are
    converted) and the weights of all criteria must sum to exactly 100 (see :func:`validate_weights`).
    When the scorecard carries weights per group, turn them into effective criterion weights first with
    :func:`split_group_weights`. ``group`` is the key/label of the criterion's group ("" = ungrouped).
    ``knockouts`` is a sequence of :class:`Knockout` ``(key, label)``: pass/fail gates.
    ``scale`` is S: every score lies in 0..S (default 5).

``BidInput(key, label, scores={}, consensus={}, knockouts={}, computed={})``
    ``scores[criterion_key]`` is the sequence of *submitted* evaluator scores (drafts must not be passed).
    ``consensus[criterion_key]`` is a consensus score that replaces the mean where present.
    ``computed[criterion_key]`` is a score worked out by a stated formula rather than by evaluators (the price
    criterion of issue 20: awards.pricing). A key present here makes the criterion *computed* for this bid: its
    value replaces the mean and any consensus, and ``None`` means the formula has no score for the bid (e.g. no
    price schedule), which counts as missing and makes the ranking provisional with its own reason.
    ``knockouts[knockout_key]`` is ``True`` (pass), ``False`` (fail) or ``None`` (undecided); a knockout of
    the scorecard that is missing from the mapping counts as undecided.

``resolved``
    A set of ``(bid_key, criterion_key)`` pairs for which a consensus note exists; it marks the spread flag
    of that cell as resolved.

Rules
=====

* Criterion score = the computed score for a computed criterion (``computed``; None = missing); otherwise
  the consensus score if present, else the mean of the submitted evaluator scores, else *missing* (no score
  yet). A missing score counts as 0 in the totals and makes the ranking provisional.
* Weighted total = sum(weight x score / S), on 0..100. Nothing is rounded here; use :func:`format_number`
  for display.
* Knockouts are decided before weighted scoring: a bid that fails at least one is excluded from the ranking
  (its ``total`` is ``None``) and ``exclusion_reason`` names the failed knockout(s). A ranked bid with an
  undecided knockout makes the whole ranking *provisional*; ``provisional_reasons`` says why.
* Ranking (always a strict order, ranks 1..n) -- the deterministic tie-break:

  1. higher weighted total;
  2. then higher criterion score on the heaviest criterion, then on the next heaviest, and so on through
     every criterion (equal weights: scorecard order);
  3. then label, alphabetically (case-insensitive, then case-sensitive);
  4. then key (only when labels are identical).

  Totals and scores are compared after rounding to 9 decimal places (``COMPARE_PLACES``) so that floating
  point noise never decides a ranking. Whenever two adjacent ranked bids have equal totals,
  ``BidResult.tie_break`` on the lower one (and ``ScoringResult.ties``) says which rule separated them.
* Spread per (bid, criterion) over the submitted evaluator scores: count, mean, min, max, range and the
  *population* standard deviation (the panel is the whole set of evaluators whose disagreement we describe,
  not a sample from a larger population). A cell is *flagged* when at least two evaluators differ by
  ``2 x S / 5`` points or more (range >= threshold: 2 points on the 0..5 scale). A flag is *resolved* when the
  pair is in ``resolved``. Spread is computed for every bid, knocked out or not.
* Group scores (ranked bids only): ``points`` = sum over the group's criteria of weight x score / S, on
  0..group weight (the group's contribution to the total), and ``percent`` = points / group weight x 100,
  on 0..100.

Sensitivity (:func:`sensitivity`)
    For each criterion k, moving its weight from w to x and rescaling every other weight by
    (W - x) / (W - w) (W = 100) keeps the total at W. Every bid's total is then *linear* in x, so the first
    bid to overtake the winner is found analytically from the two end points (x = 0 and x = W) -- no
    bisection. ``increase``/``decrease`` are the smallest changes (in weight points) beyond which another bid
    strictly overtakes the current winner, or ``None`` when no weight within [0, W] does so. At exactly the
    threshold the two bids tie on total and the tie-break decides. When a criterion holds all the weight,
    the proportional renormalisation is undefined and both directions are ``None``.

Monte Carlo (:func:`monte_carlo`)
    Each sample multiplies every weight by an independent factor drawn uniformly from [1 - spread,
    1 + spread] (spread 0.25 by default) and renormalises the weights to the same total; all samples are
    scored with one matrix product. Bids whose total is within 1e-9 of the sample's best *share* that
    sample's win evenly (1/k each), so the probabilities of the ranked bids always sum to 1. The generator is
    NumPy's ``default_rng(seed)`` (PCG64): the same seed and inputs give the same probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Any, Literal

import numpy as np

__all__ = [
    "COMPARE_PLACES",
    "DEFAULT_SCALE",
    "TOTAL_WEIGHT",
    "BidInput",
    "BidResult",
    "Criterion",
    "GroupComparison",
    "GroupScore",
    "GroupWeight",
    "Knockout",
    "KnockoutOutcome",
    "MonteCarloResult",
    "Scorecard",
    "ScoringError",
    "ScoringResult",
    "SensitivityItem",
    "Spread",
    "TieBreak",
    "WinProbability",
    "apply_weight_change",
    "debrief_groups",
    "disagreement_threshold",
    "format_number",
    "monte_carlo",
    "score_bids",
    "sensitivity",
    "split_group_weights",
    "to_decimal",
    "validate_weights",
    "weight_total_message",
]

DEFAULT_SCALE = 5
TOTAL_WEIGHT = Decimal(100)
COMPARE_PLACES = 9
_TOL = 1e-9

WeightLike = Decimal | int | float | str


class ScoringError(ValueError):
    """Inputs the engine cannot score (unknown keys, scores off the scale, weights not summing to 100)."""


# --------------------------------------------------------------------------------------------- helpers


def to_decimal(value: WeightLike) -> Decimal:
    """Decimal from a Decimal, int, str or float (floats via their shortest repr, so 0.1 -> Decimal("0.1"))."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a weight cannot be a bool")
    if isinstance(value, int | str):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ScoringError(f"weight {value!r} is not a finite number")
        return Decimal(repr(value))
    raise TypeError(f"cannot use {type(value).__name__} as a weight")


def _plain(value: Decimal) -> str:
    """'97.5', '100', '2.5' -- a Decimal without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def format_number(value: float | Decimal | None, places: int = 2) -> str:
    """The only rounding in this module: a number for display with ``places`` decimals.

    ``None`` renders as an en dash, "-0.00" as "0.00". Trailing zeros are kept so columns line up ("72.50").
    """
    if value is None:
        return "\u2013"
    number = float(value)
    text = f"{number:.{places}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def disagreement_threshold(scale: WeightLike = DEFAULT_SCALE) -> float:
    """Evaluator disagreement that raises a spread flag: 2 points on a 0..5 scale, i.e. 2 x S / 5."""
    return 2.0 * float(to_decimal(scale)) / 5.0


# --------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Criterion:
    """A weighted criterion. ``weight`` is the effective weight (all criteria sum to 100)."""

    key: str
    label: str
    weight: Decimal
    group: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", to_decimal(self.weight))


@dataclass(frozen=True)
class Knockout:
    """A pass/fail gate decided before weighted scoring."""

    key: str
    label: str


@dataclass(frozen=True)
class Scorecard:
    criteria: Sequence[Criterion]
    knockouts: Sequence[Knockout] = ()
    scale: Decimal | int | float = DEFAULT_SCALE

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        object.__setattr__(self, "knockouts", tuple(self.knockouts))
        if to_decimal(self.scale) <= 0:
            raise ScoringError("the scale must be positive")
        _require_unique([c.key for c in self.criteria], "criterion")
        _require_unique([k.key for k in self.knockouts], "knockout")

    @property
    def groups(self) -> tuple[str, ...]:
        """Group keys in order of first appearance."""
        return tuple(dict.fromkeys(c.group for c in self.criteria))


@dataclass(frozen=True)
class BidInput:
    key: str
    label: str
    scores: Mapping[str, Sequence[float | Decimal | int]] = field(default_factory=dict)
    consensus: Mapping[str, float | Decimal | int] = field(default_factory=dict)
    knockouts: Mapping[str, bool | None] = field(default_factory=dict)
    computed: Mapping[str, float | Decimal | int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupWeight:
    """A criterion group's weight and its criteria's relative shares (any non-negative numbers)."""

    key: str
    weight: Decimal
    shares: Mapping[str, WeightLike]

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", to_decimal(self.weight))


def _require_unique(keys: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ScoringError(f"duplicate {what} key {key!r}")
        seen.add(key)


# --------------------------------------------------------------------------------------------- weights


def weight_total_message(total: WeightLike) -> str | None:
    """``None`` when ``total`` is exactly 100, else e.g. "weights sum to 97.5; add 2.5"."""
    total = to_decimal(total)
    gap = TOTAL_WEIGHT - total
    if gap == 0:
        return None
    if gap > 0:
        return f"weights sum to {_plain(total)}; add {_plain(gap)}"
    return f"weights sum to {_plain(total)}; remove {_plain(-gap)}"


def validate_weights(weights: Iterable[Criterion] | Mapping[str, WeightLike]) -> list[str]:
    """Problems with a set of effective weights; an empty list means valid.

    Accepts criteria or a mapping ``{criterion_key: weight}``. Checks: at least one criterion, no negative
    weight, and a total of exactly 100 (the message says by how much it is off).
    """
    if isinstance(weights, Mapping):
        pairs = [(str(key), to_decimal(value)) for key, value in weights.items()]
    else:
        pairs = [(c.key, to_decimal(c.weight)) for c in weights]
    if not pairs:
        return ["the scorecard has no criteria"]
    problems = [f"weight of {key} is negative ({_plain(value)})" for key, value in pairs if value < 0]
    message = weight_total_message(sum((value for _, value in pairs), Decimal(0)))
    if message:
        problems.append(message)
    return problems


def _apportion(total: Fraction, parts: Sequence[Fraction], quantum: Fraction) -> list[Fraction]:
    """Split ``total`` (a multiple of ``quantum``) in proportion to ``parts`` into multiples of ``quantum``
    that sum to ``total`` exactly (largest remainder; equal remainders go to the earlier part)."""
    size = sum(parts, Fraction(0))
    exact = [total * part / size for part in parts]
    floors = [math.floor(value / quantum) * quantum for value in exact]
    units = int((total - sum(floors, Fraction(0))) / quantum)
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:units]:
        floors[index] += quantum
    return floors


def split_group_weights(groups: Sequence[GroupWeight], *, places: int = 2) -> dict[str, Decimal]:
    """Effective criterion weights from group weights and the criteria's shares within each group.

    ``groups`` must sum to exactly 100. Inside a group the weight is split in proportion to the shares
    (``{"a": 1, "b": 1, "c": 1}`` = thirds; ``{"a": 60, "b": 40}`` = 60 % / 40 %). Every result is a
    ``Decimal`` with ``places`` decimals; rounding uses the largest-remainder method at both levels, so each
    group's criteria sum exactly to the group's (rounded) weight and all criteria sum exactly to 100.
    Returns ``{criterion_key: weight}`` in group order, then share order.
    """
    if places < 0:
        raise ScoringError("places must be >= 0")
    if not groups:
        raise ScoringError("no groups")
    _require_unique([g.key for g in groups], "group")
    _require_unique([key for g in groups for key in g.shares], "criterion")
    for group in groups:
        if group.weight < 0:
            raise ScoringError(f"weight of group {group.key} is negative ({_plain(group.weight)})")
        shares = [to_decimal(value) for value in group.shares.values()]
        if any(share < 0 for share in shares):
            raise ScoringError(f"group {group.key} has a negative share")
        if group.weight > 0 and sum(shares, Decimal(0)) == 0:
            raise ScoringError(f"group {group.key} carries weight but none of its criteria has a share")
    message = weight_total_message(sum((g.weight for g in groups), Decimal(0)))
    if message:
        raise ScoringError(f"group {message}")

    quantum = Fraction(1, 10**places)
    group_weights = _apportion(Fraction(100), [Fraction(g.weight) for g in groups], quantum)
    exponent = Decimal(1).scaleb(-places)
    result: dict[str, Decimal] = {}
    for group, group_weight in zip(groups, group_weights, strict=True):
        keys = list(group.shares)
        if not keys:
            if group_weight:
                raise ScoringError(f"group {group.key} carries weight but has no criteria")
            continue
        shares = [Fraction(to_decimal(group.shares[key])) for key in keys]
        if group_weight == 0 or sum(shares) == 0:
            amounts = [Fraction(0)] * len(keys)
        else:
            amounts = _apportion(group_weight, shares, quantum)
        for key, amount in zip(keys, amounts, strict=True):
            value = Decimal(amount.numerator) / Decimal(amount.denominator)
            result[key] = value.quantize(exponent, rounding=ROUND_FLOOR)  # exact: amount is a multiple
    return result


# --------------------------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class KnockoutOutcome:
    key: str
    label: str
    passed: bool | None  # True pass, False fail, None undecided


@dataclass(frozen=True)
class GroupScore:
    group: str
    weight: float  # sum of the group's effective weights (0..100)
    points: float  # contribution to the total, 0..weight
    percent: float | None  # points / weight x 100, 0..100; None for a group without weight


@dataclass(frozen=True)
class TieBreak:
    """How two bids with equal weighted totals were ordered."""

    above: str  # bid key ranked higher
    below: str  # bid key ranked directly below
    rule: Literal["criterion", "label", "key"]
    criterion: str | None  # criterion key when rule == "criterion"
    explanation: str


@dataclass(frozen=True)
class BidResult:
    key: str
    label: str
    scores: Mapping[str, float | None]  # criterion key -> criterion score (None = no score yet)
    score_sources: Mapping[str, Literal["consensus", "mean", "missing", "computed"]]
    knockouts: tuple[KnockoutOutcome, ...]
    excluded: bool  # failed at least one knockout
    exclusion_reason: str | None
    total: float | None  # 0..100; None when excluded
    rank: int | None  # 1..n; None when excluded
    groups: tuple[GroupScore, ...]  # empty when excluded
    undecided_knockouts: tuple[str, ...]  # knockout keys
    missing_criteria: tuple[str, ...]  # criterion keys without any score
    tie_break: TieBreak | None  # set when this bid tied on total with the bid ranked directly above

    @property
    def failed_knockouts(self) -> tuple[str, ...]:
        return tuple(k.key for k in self.knockouts if k.passed is False)

    @property
    def provisional(self) -> bool:
        return not self.excluded and bool(self.undecided_knockouts or self.missing_criteria)


@dataclass(frozen=True)
class Spread:
    bid: str
    criterion: str
    count: int  # submitted evaluator scores
    mean: float
    minimum: float
    maximum: float
    range: float
    std_dev: float  # population standard deviation
    flagged: bool  # evaluators differ by >= 2 x S / 5 points
    resolved: bool  # flagged and a consensus note exists

    @property
    def needs_consensus(self) -> bool:
        return self.flagged and not self.resolved


@dataclass(frozen=True)
class ScoringResult:
    criteria: tuple[Criterion, ...]
    knockouts: tuple[Knockout, ...]
    scale: float
    bids: tuple[BidResult, ...]  # input order
    ranking: tuple[BidResult, ...]  # ranked bids, rank 1 first
    excluded: tuple[BidResult, ...]  # knocked-out bids, input order
    ties: tuple[TieBreak, ...]
    spreads: tuple[Spread, ...]  # every (bid, criterion) with at least one evaluator score
    threshold: float  # disagreement threshold used for the flags
    provisional_reasons: tuple[str, ...]
    _scores: Any = field(default=None, repr=False, compare=False)  # ndarray (bids x criteria) of score / S
    _weights: Any = field(default=None, repr=False, compare=False)  # ndarray of float weights

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_reasons)

    @property
    def winner(self) -> BidResult | None:
        return self.ranking[0] if self.ranking else None

    @property
    def flags(self) -> tuple[Spread, ...]:
        return tuple(s for s in self.spreads if s.flagged)

    @property
    def unresolved_flags(self) -> tuple[Spread, ...]:
        return tuple(s for s in self.spreads if s.needs_consensus)

    def bid(self, key: str) -> BidResult:
        for bid in self.bids:
            if bid.key == key:
                return bid
        raise KeyError(key)


# --------------------------------------------------------------------------------------------- scoring


def _as_float(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ScoringError(f"{what}: {value!r} is not a number") from exc
    if not math.isfinite(number):
        raise ScoringError(f"{what}: {value!r} is not a finite number")
    return number


def score_bids(
    scorecard: Scorecard,
    bids: Sequence[BidInput],
    *,
    resolved: Iterable[tuple[str, str]] = (),
    check_weights: bool = True,
) -> ScoringResult:
    """Score, knock out, rank and measure the spread of ``bids`` on ``scorecard``.

    Raises :class:`ScoringError` for duplicate bid keys, unknown criterion/knockout keys, scores outside
    0..S and -- unless ``check_weights=False`` -- weights that are not valid (see :func:`validate_weights`).
    With ``check_weights=False`` the totals are still sum(weight x score / S), on 0..sum(weights).
    """
    criteria = scorecard.criteria
    if check_weights:
        problems = validate_weights(criteria)
        if problems:
            raise ScoringError("; ".join(problems))
    elif any(c.weight < 0 for c in criteria):
        raise ScoringError("weights cannot be negative")
    _require_unique([b.key for b in bids], "bid")

    scale = float(to_decimal(scorecard.scale))
    scale_text = _plain(to_decimal(scorecard.scale))
    n_bids, n_crit = len(bids), len(criteria)
    index = {c.key: j for j, c in enumerate(criteria)}
    weights = np.array([float(c.weight) for c in criteria], dtype=float)
    resolved_pairs = set(resolved)

    # Evaluator scores as a NaN-padded cube: bids x criteria x evaluators.
    depth = max((len(v) for b in bids for v in b.scores.values()), default=0)
    cube = np.full((n_bids, n_crit, max(depth, 1)), np.nan)
    for i, bid in enumerate(bids):
        for key, values in bid.scores.items():
            j = index.get(key)
            if j is None:
                raise ScoringError(f"bid {bid.key}: unknown criterion {key!r}")
            if len(values):
                try:
                    row = np.asarray(values, dtype=float)
                except (TypeError, ValueError) as exc:
                    raise ScoringError(f"bid {bid.key}, criterion {key}: scores must be numbers") from exc
                if row.ndim != 1 or not np.isfinite(row).all():
                    raise ScoringError(f"bid {bid.key}, criterion {key}: evaluator scores must be finite numbers")
                cube[i, j, : len(row)] = row
    present = ~np.isnan(cube)
    off_scale = present & ((np.where(present, cube, 0.0) < 0) | (np.where(present, cube, 0.0) > scale))
    if off_scale.any():
        i, j, _ = (int(x[0]) for x in np.nonzero(off_scale))
        raise ScoringError(
            f"bid {bids[i].key}, criterion {criteria[j].key}: evaluator scores must lie in 0..{scale_text}"
        )

    counts = present.sum(axis=2)
    filled = np.where(present, cube, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = filled.sum(axis=2) / counts
        deviations = np.where(present, cube - means[:, :, None], 0.0)
        std_devs = np.sqrt((deviations**2).sum(axis=2) / counts)
    minimums = np.where(present, cube, np.inf).min(axis=2)
    maximums = np.where(present, cube, -np.inf).max(axis=2)

    # Criterion scores: consensus, else mean, else missing (0 in the arithmetic).
    scores = np.where(counts > 0, means, 0.0)
    source = np.where(counts > 0, 1, 0)  # 0 missing, 1 mean, 2 consensus
    for i, bid in enumerate(bids):
        for key, value in bid.consensus.items():
            j = index.get(key)
            if j is None:
                raise ScoringError(f"bid {bid.key}: unknown criterion {key!r} in consensus")
            if value is None:
                continue
            number = _as_float(value, f"bid {bid.key}, consensus on {key}")
            if not 0 <= number <= scale:
                raise ScoringError(f"bid {bid.key}, criterion {key}: consensus score must lie in 0..{scale_text}")
            scores[i, j] = number
            source[i, j] = 2
    computed_missing: dict[int, list[int]] = {}
    for i, bid in enumerate(bids):
        for key, value in bid.computed.items():
            j = index.get(key)
            if j is None:
                raise ScoringError(f"bid {bid.key}: unknown criterion {key!r} in computed scores")
            if value is None:
                scores[i, j] = 0.0
                source[i, j] = 0
                computed_missing.setdefault(i, []).append(j)
                continue
            number = _as_float(value, f"bid {bid.key}, computed score on {key}")
            if not 0 <= number <= scale + _TOL:
                raise ScoringError(f"bid {bid.key}, criterion {key}: computed score must lie in 0..{scale_text}")
            scores[i, j] = min(number, scale)
            source[i, j] = 3
    normalised = scores / scale
    totals = normalised @ weights

    # Knockouts.
    knockout_keys = {k.key for k in scorecard.knockouts}
    outcomes: list[tuple[KnockoutOutcome, ...]] = []
    for bid in bids:
        unknown = set(bid.knockouts) - knockout_keys
        if unknown:
            raise ScoringError(f"bid {bid.key}: unknown knockout {sorted(unknown)[0]!r}")
        row = []
        for knockout in scorecard.knockouts:
            passed = bid.knockouts.get(knockout.key)
            if passed is not None and not isinstance(passed, bool | np.bool_):
                raise ScoringError(f"bid {bid.key}, knockout {knockout.key}: use True, False or None")
            row.append(KnockoutOutcome(knockout.key, knockout.label, None if passed is None else bool(passed)))
        outcomes.append(tuple(row))
    eligible = [i for i in range(n_bids) if not any(o.passed is False for o in outcomes[i])]

    # Ranking with the documented tie-break.
    tie_order = sorted(range(n_crit), key=lambda j: (-criteria[j].weight, j))
    rounded_totals = np.round(totals, COMPARE_PLACES)
    rounded_scores = np.round(scores, COMPARE_PLACES)

    def sort_key(i: int) -> tuple:
        row = rounded_scores[i]
        return (
            -rounded_totals[i],
            tuple(-row[j] for j in tie_order),
            bids[i].label.casefold(),
            bids[i].label,
            bids[i].key,
        )

    order = sorted(eligible, key=sort_key)
    ties: list[TieBreak] = []
    tie_of: dict[int, TieBreak] = {}
    for above, below in zip(order, order[1:], strict=False):
        if rounded_totals[above] != rounded_totals[below]:
            continue
        tie = _explain_tie(
            bids[above],
            bids[below],
            rounded_scores[above],
            rounded_scores[below],
            criteria,
            tie_order,
            scores[above],
            scores[below],
            totals[above],
        )
        ties.append(tie)
        tie_of[below] = tie
    rank_of = {i: r for r, i in enumerate(order, start=1)}

    # Group scores.
    group_keys = scorecard.groups
    membership = np.zeros((n_crit, len(group_keys)))
    group_index = {g: k for k, g in enumerate(group_keys)}
    for j, criterion in enumerate(criteria):
        membership[j, group_index[criterion.group]] = float(criterion.weight)
    group_weights = membership.sum(axis=0)
    group_points = normalised @ membership

    # Assemble per-bid results.
    results: list[BidResult] = []
    provisional_reasons: list[str] = []
    crit_keys = [c.key for c in criteria]
    source_names = ("missing", "mean", "consensus", "computed")
    for i, bid in enumerate(bids):
        row_sources = source[i]
        bid_scores = {key: (float(scores[i, j]) if row_sources[j] else None) for j, key in enumerate(crit_keys)}
        sources = {key: source_names[row_sources[j]] for j, key in enumerate(crit_keys)}
        failed = [o for o in outcomes[i] if o.passed is False]
        undecided = tuple(o.key for o in outcomes[i] if o.passed is None)
        missing = tuple(key for j, key in enumerate(crit_keys) if not row_sources[j])
        excluded = bool(failed)
        if excluded:
            names = ", ".join(o.label for o in failed)
            reason = f"Failed knockout{'s' if len(failed) > 1 else ''}: {names}"
            groups: tuple[GroupScore, ...] = ()
        else:
            reason = None
            groups = tuple(
                GroupScore(
                    group=g,
                    weight=float(group_weights[k]),
                    points=float(group_points[i, k]),
                    percent=float(group_points[i, k] / group_weights[k] * 100) if group_weights[k] > 0 else None,
                )
                for k, g in enumerate(group_keys)
            )
            for o in outcomes[i]:
                if o.passed is None:
                    provisional_reasons.append(f"{bid.label}: knockout \u201c{o.label}\u201d is undecided")
            for j in computed_missing.get(i, []):
                provisional_reasons.append(f"{bid.label}: no computed score for {criteria[j].label}")
            evaluated_missing = [key for key in missing if index[key] not in computed_missing.get(i, [])]
            if evaluated_missing:
                labels = [criteria[index[key]].label for key in evaluated_missing]
                shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
                noun = "criterion" if len(labels) == 1 else "criteria"
                provisional_reasons.append(f"{bid.label}: no score yet for {len(labels)} {noun} ({shown})")
        results.append(
            BidResult(
                key=bid.key,
                label=bid.label,
                scores=bid_scores,
                score_sources=sources,
                knockouts=outcomes[i],
                excluded=excluded,
                exclusion_reason=reason,
                total=None if excluded else float(totals[i]),
                rank=rank_of.get(i),
                groups=groups,
                undecided_knockouts=undecided,
                missing_criteria=missing,
                tie_break=tie_of.get(i),
            )
        )

    # Spread.
    threshold = disagreement_threshold(scorecard.scale)
    ranges = maximums - minimums
    flagged = (counts >= 2) & (ranges >= threshold - _TOL)
    spreads = []
    cells = np.argwhere(counts > 0)
    for i, j in cells.tolist():
        is_flagged = bool(flagged[i, j])
        spreads.append(
            Spread(
                bid=bids[i].key,
                criterion=crit_keys[j],
                count=int(counts[i, j]),
                mean=float(means[i, j]),
                minimum=float(minimums[i, j]),
                maximum=float(maximums[i, j]),
                range=float(ranges[i, j]),
                std_dev=float(std_devs[i, j]),
                flagged=is_flagged,
                resolved=is_flagged and (bids[i].key, crit_keys[j]) in resolved_pairs,
            )
        )

    return ScoringResult(
        criteria=tuple(criteria),
        knockouts=tuple(scorecard.knockouts),
        scale=scale,
        bids=tuple(results),
        ranking=tuple(results[i] for i in order),
        excluded=tuple(r for r in results if r.excluded),
        ties=tuple(ties),
        spreads=tuple(spreads),
        threshold=threshold,
        provisional_reasons=tuple(provisional_reasons),
        _scores=normalised,
        _weights=weights,
    )


def _explain_tie(above, below, rounded_above, rounded_below, criteria, tie_order, raw_above, raw_below, total):
    shown_total = format_number(total)
    for rank_position, j in enumerate(tie_order):
        if rounded_above[j] != rounded_below[j]:
            criterion = criteria[j]
            which = "the heaviest criterion" if rank_position == 0 else "the heaviest criterion on which they differ"
            return TieBreak(
                above=above.key,
                below=below.key,
                rule="criterion",
                criterion=criterion.key,
                explanation=(
                    f"{above.label} and {below.label} tie on total ({shown_total}); {above.label} ranks higher on "
                    f"{criterion.label} (weight {_plain(criterion.weight)}), {which}: "
                    f"{format_number(raw_above[j])} vs {format_number(raw_below[j])}"
                ),
            )
    if above.label != below.label:
        return TieBreak(
            above=above.key,
            below=below.key,
            rule="label",
            criterion=None,
            explanation=(
                f"{above.label} and {below.label} tie on total ({shown_total}) and on every criterion; "
                "ordered alphabetically by name"
            ),
        )
    return TieBreak(
        above=above.key,
        below=below.key,
        rule="key",
        criterion=None,
        explanation=f"two bids named {above.label} tie on everything; ordered by reference ({above.key}, {below.key})",
    )


@dataclass(frozen=True)
class GroupComparison:
    """One line of a debrief: the bid's score in a criterion group against the winning bid's."""

    group: str
    weight: float
    points: float
    percent: float | None
    winner_points: float
    winner_percent: float | None


def debrief_groups(result: ScoringResult, bid_key: str) -> tuple[GroupComparison, ...]:
    """The bid's group scores against the winner's, for a debrief (no other bidder's detail is exposed).

    Empty for a knocked-out bid (it has no weighted score; show ``exclusion_reason`` instead) or when nothing
    is ranked.
    """
    bid, winner = result.bid(bid_key), result.winner
    if bid.excluded or winner is None:
        return ()
    return tuple(
        GroupComparison(own.group, own.weight, own.points, own.percent, best.points, best.percent)
        for own, best in zip(bid.groups, winner.groups, strict=True)
    )


# --------------------------------------------------------------------------------------------- sensitivity


@dataclass(frozen=True)
class SensitivityItem:
    criterion: str
    label: str
    weight: float
    increase: float | None  # smallest increase (weight points) beyond which the winner changes; None = never
    decrease: float | None  # smallest decrease (weight points, positive number); None = never
    increase_leader: str | None  # bid key that would overtake on an increase
    decrease_leader: str | None  # bid key that would overtake on a decrease
    message: str


def _ranked_arrays(result: ScoringResult) -> tuple[np.ndarray, np.ndarray, list[BidResult]]:
    ranked = list(result.ranking)
    positions = {b.key: i for i, b in enumerate(result.bids)}
    rows = [positions[b.key] for b in ranked]
    return result._scores[rows], result._weights, ranked


def sensitivity(result: ScoringResult) -> tuple[SensitivityItem, ...]:
    """Per criterion, the smallest weight change (others renormalised proportionally) that changes the winner.

    Exact, vectorised over bids x criteria: with x the new weight of criterion k, bid b's total is
    ``x * p[b,k] + (W - x) / (W - w_k) * (T[b] - w_k * p[b,k])`` (p = score / S), linear in x. The gap to the
    winner is linear too, so it crosses zero at ``x = w_k + t * (end - w_k)`` with
    ``t = -gap_now / (gap_end - gap_now)`` whenever the gap at the end point (x = W or x = 0) is positive.
    """
    if not result.ranking:
        return ()
    p, weights, ranked = _ranked_arrays(result)
    criteria = result.criteria
    winner = ranked[0]
    total_weight = float(weights.sum())
    totals = p @ weights
    rest = totals[:, None] - p * weights[None, :]  # bids x criteria: total without criterion k
    gap_now = np.minimum(totals - totals[0], 0.0)[:, None]  # <= 0 by construction of the ranking
    gap_now = np.where(gap_now > -_TOL, 0.0, gap_now)
    room_up = total_weight - weights  # per criterion
    end_up = total_weight * p  # totals with x = W (only criterion k left)
    with np.errstate(invalid="ignore", divide="ignore"):
        end_down = np.where(room_up > 0, total_weight * rest / room_up, np.nan)  # totals with x = 0
    gap_up = end_up - end_up[0]
    gap_down = end_down - end_down[0]

    def first_crossing(gap_end: np.ndarray, span: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            fraction = -gap_now / (gap_end - gap_now)
            candidate = np.where((gap_end > _TOL) & (span[None, :] > 0), fraction * span[None, :], np.inf)
        candidate[0, :] = np.inf  # the winner does not overtake itself
        best = candidate.argmin(axis=0) if len(ranked) else np.zeros(len(span), dtype=int)
        return candidate[best, np.arange(len(span))], best

    up, up_who = first_crossing(gap_up, np.where(room_up > 0, room_up, 0.0))
    down, down_who = first_crossing(np.nan_to_num(gap_down, nan=-np.inf), np.where(room_up > 0, weights, 0.0))

    items = []
    for k, criterion in enumerate(criteria):
        inc = None if not np.isfinite(up[k]) else float(up[k])
        dec = None if not np.isfinite(down[k]) else float(down[k])
        inc_by = ranked[int(up_who[k])] if inc is not None else None
        dec_by = ranked[int(down_who[k])] if dec is not None else None
        items.append(
            SensitivityItem(
                criterion=criterion.key,
                label=criterion.label,
                weight=float(weights[k]),
                increase=inc,
                decrease=dec,
                increase_leader=inc_by.key if inc_by else None,
                decrease_leader=dec_by.key if dec_by else None,
                message=_sensitivity_message(winner, criterion, inc, dec, inc_by, dec_by, total_weight),
            )
        )
    return tuple(items)


def _sensitivity_message(winner, criterion, inc, dec, inc_by, dec_by, total_weight) -> str:
    if inc is None and dec is None:
        return (
            f"{winner.label} stays first whatever {criterion.label}\u2019s weight "
            f"(0\u2013{_plain(to_decimal(round(total_weight, 9)))})"
        )
    parts = []
    if inc is not None:
        parts.append(f"+{format_number(inc)} points ({inc_by.label} would lead)")
    if dec is not None:
        parts.append(f"\u2212{format_number(dec)} points ({dec_by.label} would lead)")
    text = f"The winner ({winner.label}) holds unless {criterion.label}\u2019s weight moves by " + " / ".join(parts)
    if inc is None:
        text += "; no increase changes it"
    if dec is None:
        text += "; no decrease changes it"
    return text


def apply_weight_change(weights: Sequence[WeightLike], index: int, change: float) -> np.ndarray:
    """The weights after moving ``weights[index]`` by ``change`` points and rescaling the others
    proportionally so the total is unchanged (what :func:`sensitivity` models). Floats; for checks and what-ifs.
    """
    values = np.array([float(to_decimal(w)) for w in weights], dtype=float)
    total = values.sum()
    new = values[index] + change
    if not 0 <= new <= total + _TOL:
        raise ScoringError("the moved weight must stay within 0 and the total")
    rest = total - values[index]
    if rest <= 0:
        raise ScoringError("cannot renormalise: the criterion holds all the weight")
    out = values * ((total - new) / rest)
    out[index] = new
    return out


# --------------------------------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class WinProbability:
    bid: str
    label: str
    probability: float


@dataclass(frozen=True)
class MonteCarloResult:
    samples: int
    seed: int
    spread: float
    probabilities: tuple[WinProbability, ...]  # ranked bids, in ranking order
    provisional: bool

    def probability_of(self, bid_key: str) -> float:
        for item in self.probabilities:
            if item.bid == bid_key:
                return item.probability
        raise KeyError(bid_key)


def monte_carlo(
    result: ScoringResult, *, samples: int = 10_000, seed: int = 0, spread: float = 0.25
) -> MonteCarloResult:
    """Probability of ranking first for each ranked bid under randomly perturbed weights.

    Each of ``samples`` weight vectors is ``w * u`` with ``u`` uniform in [1 - spread, 1 + spread] per
    criterion, renormalised to the same total; totals for all samples come from one matrix product.
    Ties for first place (within 1e-9) share the sample evenly. Reproducible for a given ``seed``.
    """
    if samples < 1:
        raise ScoringError("samples must be at least 1")
    if not 0 <= spread < 1:
        raise ScoringError("spread must lie in [0, 1)")
    if not result.ranking:
        return MonteCarloResult(samples, seed, spread, (), result.provisional)
    p, weights, ranked = _ranked_arrays(result)
    total_weight = float(weights.sum())
    if total_weight <= 0:
        raise ScoringError("weights sum to 0")
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1.0 - spread, 1.0 + spread, size=(samples, len(weights)))
    # One matrix product gives every sample's raw totals (first columns) and its weight sum (last column);
    # dividing by the weight sum renormalises each sample's weights to the same total.
    combined = factors @ np.column_stack([weights[:, None] * p.T, weights])  # samples x (bids + 1)
    totals = combined[:, :-1] * (total_weight / combined[:, -1:])  # samples x bids
    best = totals.max(axis=1, keepdims=True)
    winners = totals >= best - _TOL
    shares = winners / winners.sum(axis=1, keepdims=True)
    probabilities = shares.sum(axis=0) / samples
    return MonteCarloResult(
        samples=samples,
        seed=seed,
        spread=spread,
        probabilities=tuple(
            WinProbability(bid.key, bid.label, float(prob)) for bid, prob in zip(ranked, probabilities, strict=True)
        ),
        provisional=result.provisional,
    )
