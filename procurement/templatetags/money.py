"""Amounts with their currency, the way the reader's locale writes them (Babel).

    {% load money %}
    {{ bid.total|money:bid.currency }}         -> "€1,200,000.00" (EUR), "US$95,000.00" (USD), "¥1,200" (JPY)

The locale is the active Django language (settings.LANGUAGE_CODE, "en-gb" → Babel's en_GB) — British English
style: the currency's symbol before the amount, commas between thousands, the currency's own number of decimals
(two for EUR, none for JPY). A code Babel does not know is written before the amount ("XTS10.00"). No currency:
the number alone. No amount (None or ""): an empty string. Text that is not a number is shown as it is, never an
error page.

Display only: exports keep numbers as numbers, PDFs and the memo's signed content are not formatted here.
"""

from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal
from django import template
from django.utils import translation

register = template.Library()

FALLBACK_LOCALE = "en_GB"


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of a Django language code ("en-gb" → en_GB); en_GB when Babel does not know it."""
    code = translation.to_locale(language or translation.get_language() or FALLBACK_LOCALE)
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK_LOCALE)


def format_money(amount, currency: str | None = "", language: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    if not value.is_finite():
        return str(amount)
    locale = babel_locale(language)
    code = (currency or "").strip().upper()
    if not code:
        return format_decimal(value, locale=locale)
    return format_currency(value, code, locale=locale)


@register.filter(name="money")
def money_filter(amount, currency=""):
    """`{{ amount|money:currency }}`: the amount in the active locale with its currency."""
    return format_money(amount, currency)
