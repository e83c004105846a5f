"""Pure price arithmetic (issue 20): a bid's total cost over the term, and the price score by the scorecard's formula.

Nothing here touches Django or the ORM; every number is a Decimal and nothing is rounded (round for display only,
e.g. with procurement.money.money).

Total cost over the term (in the bid's own currency), from its price lines and the procedure's term in months:

* a one-off line counts once;
* a recurring line "per month" counts term × amount;
* a recurring line "per year" counts amount × term ÷ 12 — a part year counts pro rata (a 30-month term pays
  2.5 years), so a yearly price and the same price quoted monthly (÷ 12) give the same total;
* a usage line counts unit price × the lead's monthly volume assumption × term.

The total is the sum of its lines (totals are additive: a schedule split in two gives the two totals' sum). It is
exact, except that a yearly line over a term that is not a whole number of years divides by 12, which Decimal
carries to 28 significant digits.

Price score on 0..S (S = the scorecard's scale), from every *priced* bid's total in the base currency. Which bids
count is the caller's: Baton passes the admitted bids that are not knocked out and have a price schedule, so a
knocked-out bid never sets the "lowest".

* ``lowest_ratio``: S × lowest ÷ this bid's total. When the lowest total is 0, a bid at 0 gets full marks and
  any bid above 0 gets 0 (it costs infinitely more than free); when every total is 0 all get full marks.
* ``linear``: S at the lowest total, 0 at the ceiling or above, on a straight line between:
  S × (ceiling − total) ÷ (ceiling − lowest). The ceiling must lie above the lowest total; otherwise the formula
  cannot say anything and :class:`PriceFormulaError` says so in a sentence (the ranking is then provisional).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

ONE_OFF, RECURRING, USAGE = "one_off", "recurring", "usage"
MONTH, YEAR = "month", "year"
LOWEST_RATIO, LINEAR = "lowest_ratio", "linear"
FORMULAS = (LOWEST_RATIO, LINEAR)


class PriceFormulaError(ValueError):
    """The price formula cannot score these totals (a sentence a person can read)."""


@dataclass(frozen=True)
class Line:
    """One price line: ``amount`` is the one-off amount, the amount per period, or the unit price (usage)."""

    kind: str
    amount: Decimal
    period: str = ""
    monthly_volume: Decimal | None = None  # usage lines: the lead's assumption, units per month
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", Decimal(self.amount))
        if self.monthly_volume is not None:
            object.__setattr__(self, "monthly_volume", Decimal(self.monthly_volume))
        if self.kind not in (ONE_OFF, RECURRING, USAGE):
            raise ValueError(f"unknown price line kind {self.kind!r}")
        if self.kind == RECURRING and self.period not in (MONTH, YEAR):
            raise ValueError("a recurring line is per month or per year")
        if self.kind == USAGE and self.monthly_volume is None:
            raise ValueError("a usage line needs the monthly volume it is priced against")


def line_total(line: Line, term_months: int) -> Decimal:
    """What one line costs over a term of ``term_months`` months (exact, unrounded)."""
    term = Decimal(term_months)
    if line.kind == ONE_OFF:
        return line.amount
    if line.kind == RECURRING:
        return line.amount * term if line.period == MONTH else line.amount * term / Decimal(12)
    return line.amount * line.monthly_volume * term


def term_total(lines: Iterable[Line], term_months: int) -> Decimal:
    """The total cost over the term: the sum of the lines' totals."""
    if term_months < 0:
        raise ValueError("the term cannot be negative")
    return sum((line_total(line, term_months) for line in lines), Decimal(0))


def price_scores(totals: Mapping[str, Decimal], *, formula: str, scale, ceiling=None) -> dict[str, Decimal]:
    """The price score (0..scale, unrounded) of each bid from its total in the base currency.

    ``totals`` holds only the bids that take part (priced, admitted, not knocked out). No bids: an empty dict.
    Raises PriceFormulaError for an unknown formula, a missing ceiling, or a ceiling at or below the lowest."""
    scale = Decimal(scale)
    totals = {key: Decimal(value) for key, value in totals.items()}
    if any(value < 0 for value in totals.values()):
        raise PriceFormulaError("A total cost cannot be negative.")
    if formula not in FORMULAS:
        raise PriceFormulaError("Choose a price formula on the scorecard.")
    if formula == LINEAR and ceiling is None:
        raise PriceFormulaError("The linear price formula needs a ceiling: set it on the scorecard.")
    if not totals:
        return {}
    lowest = min(totals.values())
    if formula == LOWEST_RATIO:
        if lowest == 0:
            return {key: (scale if value == 0 else Decimal(0)) for key, value in totals.items()}
        return {key: scale * lowest / value for key, value in totals.items()}
    ceiling = Decimal(ceiling)
    if ceiling <= lowest:
        raise PriceFormulaError(
            f"The price ceiling ({ceiling:,.2f}) is not above the lowest total cost ({lowest:,.2f}), so the linear "
            "formula cannot score the bids: raise the ceiling or choose the other formula.")
    span = ceiling - lowest
    return {key: (Decimal(0) if value >= ceiling else scale * (ceiling - value) / span)
            for key, value in totals.items()}
