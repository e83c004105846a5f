"""Amounts in their currency, and their worth in the base currency on a given day.

Baton compares amounts (the approval thresholds, for one) in one currency, the base currency: the setting
BATON_BASE_CURRENCY, read with getattr, "EUR" when unset. Every other currency converts at the rate recorded
for it (procurement.models.ExchangeRate) that applies on the day in question: the one with the latest
`valid_from` on or before that day. The base currency always converts at 1. A currency with no rate on or before
the day cannot be converted: `rate_on` raises MissingRate, a DomainError whose sentence names the currency and
the day, rather than guessing.

    rate = rate_on("USD", date(2026, 11, 30))     # RateUsed(currency="USD", rate=Decimal("1.10"), ...)
    rate.convert(Decimal("95000"))                 # Decimal("104500.00"), in the base currency
    to_base(Decimal("95000"), "USD", date(2026, 11, 30))   # the same, in one call

This module only reads; rates are recorded by procurement.exchange_rates.exchange_rate_record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from procurement.exceptions import DomainError

DEFAULT_BASE_CURRENCY = "EUR"
CENT = Decimal("0.01")


class MissingRate(DomainError):
    """No exchange rate applies to this currency on this day."""

    def __init__(self, currency: str, day: date):
        self.currency, self.day = currency, day
        super().__init__(
            f"There is no exchange rate for {currency} on or before {day.isoformat()}, so its value in "
            f"{base_currency()} (which picks the approval route) cannot be worked out. Ask an administrator to "
            f"record a rate for {currency} on the exchange-rates page.")


def base_currency() -> str:
    return str(getattr(settings, "BATON_BASE_CURRENCY", DEFAULT_BASE_CURRENCY) or DEFAULT_BASE_CURRENCY).upper()


def normalise_currency(code: str | None) -> str:
    return (code or "").strip().upper()


@dataclass(frozen=True)
class RateUsed:
    """The rate a conversion used: base-currency units per unit of `currency`, valid from `valid_from` (None for
    the base currency itself, which needs no recorded rate)."""

    currency: str
    base_currency: str
    rate: Decimal
    valid_from: date | None
    source: str = ""

    @property
    def is_base(self) -> bool:
        return self.currency == self.base_currency

    def convert(self, amount) -> Decimal:
        """`amount` of `currency` in the base currency, to the cent (half up)."""
        return (Decimal(amount) * self.rate).quantize(CENT, rounding=ROUND_HALF_UP)

    def describe(self, amount) -> str:
        """E.g. "1,200,000 USD = 1,104,000 EUR at 0.92 (rate of 2026-11-30)"; for the base currency just the amount."""
        amount = Decimal(amount)
        if self.is_base:
            return f"{money(amount)} {self.currency}"
        return (f"{money(amount)} {self.currency} = {money(self.convert(amount))} {self.base_currency} at "
                f"{plain(self.rate)} (rate of {self.valid_from.isoformat()})")


def money(amount: Decimal) -> str:
    """Thousands separated; cents only when there are any."""
    amount = Decimal(amount)
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def plain(rate: Decimal) -> str:
    """A rate without trailing zeros and never in exponent form (1.1, 0.000123)."""
    text = f"{Decimal(rate).normalize():f}"
    return text


def rate_on(currency: str, day: date) -> RateUsed:
    """The rate that applies to `currency` on `day` (the latest recorded on or before it); MissingRate if none."""
    from procurement.models import ExchangeRate

    currency, base = normalise_currency(currency), base_currency()
    if currency == base:
        return RateUsed(currency=base, base_currency=base, rate=Decimal(1), valid_from=None, source="base currency")
    row = (ExchangeRate.objects.filter(currency=currency, valid_from__lte=day)
           .order_by("-valid_from", "-pk").first())
    if row is None:
        raise MissingRate(currency, day)
    return RateUsed(currency=currency, base_currency=base, rate=row.rate, valid_from=row.valid_from,
                    source=row.source)


def to_base(amount, currency: str, day: date) -> Decimal:
    """`amount` of `currency` in the base currency at the rate of `day` (MissingRate when none applies)."""
    return rate_on(currency, day).convert(amount)
