"""Reads of price (issue 20): each bid's total cost over the term, its worth in the base currency, its price score.

The rate rule (one rule, everywhere: pages, scores, memo, decision record, approval route): a bid's total converts
to the base currency at the rate that applies on the procedure's proposals-due date (procurement.money.rate_on:
the latest rate recorded on or before that day). Only while proposals-due is not set does today's date stand in.
The conversion is exact (total × rate); amounts are rounded only for display.

Which bids are priced and scored: the admitted bids (received, and if late, admitted) with a price schedule. The
"lowest" total of the price formula is taken over those that are not knocked out (by the lead or by a failed
knockout decision). An admitted bid without a price schedule, or whose currency has no rate, has no price score;
its `problem` says why (the ranking is then provisional).

    bid_costs(procedure) -> list[BidCost]              # bounded queries: bids, lines, one rate per currency
    price_outcome(procedure, scorecard, costs=None, knocked_out=None) -> PriceOutcome
    price_scores(procedure, scorecard) -> {bid_id: Decimal score on 0..scale}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from awards import pricing
from awards.checks import admitted_bids
from awards.models import Bid, PriceLine
from awards.models.scorecard import Criterion, KnockoutDecision
from procurement.money import MissingRate, RateUsed, base_currency, money, rate_on


def rate_day(procedure) -> date:
    """The day whose exchange rate converts every bid of the procedure: proposals-due, else today."""
    return procedure.proposals_due or timezone.localdate()


@dataclass
class BidCost:
    bid: Bid
    currency: str
    lines: list = field(default_factory=list)  # PriceLine rows, assumption loaded
    total: Decimal | None = None  # over the term, bid currency, exact
    rate: RateUsed | None = None
    base_total: Decimal | None = None  # total × rate, base currency, exact
    problem: str = ""

    @property
    def priced(self) -> bool:
        return self.base_total is not None

    @property
    def total_display(self) -> str:
        return "" if self.total is None else f"{money(self.total.quantize(Decimal('0.01')))} {self.currency}"

    @property
    def base_display(self) -> str:
        if self.base_total is None:
            return ""
        return f"{money(self.base_total.quantize(Decimal('0.01')))} {self.rate.base_currency}"

    @property
    def rate_display(self) -> str:
        if self.rate is None:
            return ""
        if self.rate.is_base:
            return "base currency"
        return f"{self.rate.rate.normalize():f} (rate of {self.rate.valid_from.isoformat()})"


def engine_lines(lines) -> list[pricing.Line]:
    return [pricing.Line(kind=line.kind, amount=line.amount, period=line.period,
                         monthly_volume=line.assumption.monthly_volume if line.assumption_id else None,
                         label=line.label) for line in lines]


def costs_for_bids(procedure, bids) -> list[BidCost]:
    """BidCost for given bids whose `price_lines` are prefetched (with their assumption)."""
    day = rate_day(procedure)
    rates: dict[str, RateUsed | MissingRate] = {}
    out = []
    for bid in bids:
        lines = list(bid.price_lines.all())
        cost = BidCost(bid=bid, currency=bid.price_currency, lines=lines)
        if not lines:
            cost.problem = f"{bid.vendor}: no price schedule recorded."
            out.append(cost)
            continue
        cost.total = pricing.term_total(engine_lines(lines), procedure.term_months)
        if cost.currency not in rates:
            try:
                rates[cost.currency] = rate_on(cost.currency, day)
            except MissingRate as exc:
                rates[cost.currency] = exc
        rate = rates[cost.currency]
        if isinstance(rate, MissingRate):
            cost.problem = f"{bid.vendor}: {rate}"
        else:
            cost.rate = rate
            cost.base_total = cost.total * rate.rate
        out.append(cost)
    return out


def priced_bids_queryset(procedure):
    return (admitted_bids(procedure).select_related("vendor").order_by("vendor__legal_name", "pk")
            .prefetch_related(Prefetch("price_lines", queryset=PriceLine.objects.select_related("assumption")
                                       .order_by("position", "pk"))))


def bid_costs(procedure) -> list[BidCost]:
    """Every admitted bid's cost (priced or with the problem that stops it)."""
    return costs_for_bids(procedure, priced_bids_queryset(procedure))


@dataclass
class PriceOutcome:
    formula: str
    ceiling: Decimal | None
    scale: int
    criterion: Criterion | None
    costs: list = field(default_factory=list)
    scores: dict = field(default_factory=dict)  # bid_id -> Decimal on 0..scale
    problems: list = field(default_factory=list)  # sentences
    counted: list = field(default_factory=list)  # bid ids that took part in the formula

    @property
    def active(self) -> bool:
        return bool(self.formula and self.criterion is not None)

    @property
    def currency(self) -> str:
        return base_currency()

    def rows(self):
        """(cost, score or None) per admitted bid, for the comparison tables."""
        return [(cost, self.scores.get(cost.bid.pk)) for cost in self.costs]


def knocked_out_ids(procedure, bids) -> set[int]:
    ids = {b.pk for b in bids if b.status == Bid.Status.KNOCKED_OUT}
    ids |= set(KnockoutDecision.objects.filter(knockout__scorecard__procedure=procedure, passed=False)
               .values_list("bid_id", flat=True))
    return ids


def price_outcome(procedure, scorecard, *, costs=None, knocked_out=None, criterion=None) -> PriceOutcome:
    """The price scores of the procedure's bids by the scorecard's formula, with the problems in sentences."""
    if criterion is None and scorecard is not None:
        criterion = Criterion.objects.filter(scorecard=scorecard, price_scored=True).first()
    outcome = PriceOutcome(formula=getattr(scorecard, "price_formula", ""),
                           ceiling=getattr(scorecard, "price_ceiling", None),
                           scale=getattr(scorecard, "scale", 5), criterion=criterion)
    if costs is None:
        costs = bid_costs(procedure)
    outcome.costs = costs
    if not outcome.active:
        if criterion is not None:
            outcome.problems.append("A criterion is marked as scored by price, but the scorecard has no price "
                                    "formula: choose one on the scorecard.")
        return outcome
    if knocked_out is None:
        knocked_out = knocked_out_ids(procedure, [c.bid for c in costs])
    taking_part = [c for c in costs if c.bid.pk not in knocked_out]
    outcome.problems += [c.problem for c in taking_part if c.problem]
    totals = {c.bid.pk: c.base_total for c in taking_part if c.priced}
    outcome.counted = list(totals)
    try:
        outcome.scores = pricing.price_scores(totals, formula=outcome.formula, scale=outcome.scale,
                                              ceiling=outcome.ceiling)
    except pricing.PriceFormulaError as exc:
        outcome.problems.append(str(exc))
    return outcome


def price_scores(procedure, scorecard) -> dict[int, Decimal]:
    """{bid_id: price score on 0..scale} for the bids the formula scores (none when it cannot score)."""
    return price_outcome(procedure, scorecard).scores
