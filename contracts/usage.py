"""Usage-based spend: a run-rate forecast to the end of the term, without the ORM.

The forecast is deliberately simple and explainable: spend so far divided by the days elapsed since the start,
times the days of the whole term. The early warning fires when that forecast exceeds the cap (or when the spend
has already passed it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Forecast:
    spend: Decimal
    cap: Decimal | None
    forecast: Decimal | None
    elapsed_days: int
    term_days: int | None

    @property
    def over_cap(self) -> bool:
        """Forecast (or spend already) above the cap."""
        if self.cap is None:
            return False
        return self.spend > self.cap or (self.forecast is not None and self.forecast > self.cap)

    @property
    def share_of_cap(self) -> Decimal | None:
        if not self.cap:
            return None
        return (self.spend / self.cap * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def forecast_spend(*, spend: Decimal, cap: Decimal | None, start: date | None, end: date | None,
                   on: date) -> Forecast:
    spend = Decimal(spend or 0)
    if start is None or end is None or end <= start:
        return Forecast(spend, cap, None, 0, None)
    term = (end - start).days
    elapsed = min(max((on - start).days, 0), term)
    if elapsed == 0:
        return Forecast(spend, cap, None, 0, term)
    projected = (spend / elapsed * term).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Forecast(spend, cap, projected, elapsed, term)
