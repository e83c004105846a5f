"""Who may record exchange rates, recording one, and the reads of the exchange-rates page.

Everyone signed in may read the rates (they explain how an approval route was chosen). Recording one is for
administrators and for the people they trust with it: a superuser, or someone holding the model permission
`procurement.add_exchangerate` (granted in the admin to a person or to a finance group). A procurement lead does
not get it with the role: the rate decides how high a memo is routed, so the person routing the memo does not set it.

Rates are never changed or deleted, here or in the admin. A wrong rate is corrected by recording a new one from a
later day, with the reason in its history: approval routes and memo versions keep the rate they used, and the
row that rate came from stays as it was.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from procurement.authz import EVERY_OBJECT, Action, ObjectPolicy, is_active_user, require, when
from procurement.models import ExchangeRate
from procurement.money import base_currency, normalise_currency, plain
from procurement.services import model_save

RECORD_PERMISSION = "procurement.add_exchangerate"


def may_record_rates(user, obj=None) -> bool:
    return is_active_user(user) and (user.is_superuser or user.has_perm(RECORD_PERMISSION))


class ExchangeRatePolicy(ObjectPolicy):
    model = ExchangeRate
    actions = {
        "record": Action(when(may_record_rates, lambda user: EVERY_OBJECT if may_record_rates(user) else None,
                              "Exchange rates are recorded by an administrator or by someone they have given "
                              "that permission to.", needs_object=False)),
    }

    def related(self, user):
        return EVERY_OBJECT  # rates are no secret: every active user may read them


exchange_rate_policy = ExchangeRatePolicy()


@transaction.atomic
def exchange_rate_record(*, actor, currency: str, rate, valid_from: date, source: str, reason: str,
                         note: str = "") -> ExchangeRate:
    """Record the rate of `currency` (base-currency units per unit) from `valid_from` on. Refused, with nothing
    written: a person without the permission (403); the base currency, a rate that is not a positive number, or
    a second rate for the same currency and day (field errors)."""
    require(actor, exchange_rate_policy, "record")
    currency = normalise_currency(currency)
    errors: dict[str, str] = {}
    if currency == base_currency():
        errors["currency"] = f"{currency} is the base currency: it always converts at 1 and needs no rate."
    try:
        value = Decimal(str(rate)) if rate is not None and str(rate).strip() else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0:
        errors["rate"] = "A rate is a positive number: how many base-currency units one unit is worth."
    if not (reason or "").strip():
        errors["reason"] = "Say why this rate is recorded (a new month's fixing, a correction of an earlier rate…)."
    if valid_from is None:
        errors["valid_from"] = "Give the first day this rate applies."
    elif currency and "currency" not in errors:
        taken = ExchangeRate.objects.filter(currency=currency, valid_from=valid_from).first()
        if taken is not None:
            errors["valid_from"] = (
                f"{currency} already has a rate from {valid_from.isoformat()} (1 {currency} = {plain(taken.rate)} "
                f"{base_currency()}). Rates are never changed: to correct it, record a new rate from a later day.")
    if errors:
        raise ValidationError(errors)
    row = ExchangeRate(currency=currency, rate=value, valid_from=valid_from, source=(source or "").strip(),
                       note=(note or "").strip(), recorded_by=actor)
    return model_save(row, actor=actor, reason=reason)


def rate_rows(currency: str = ""):
    """Every recorded rate (newest day first within each currency), optionally of one currency."""
    rows = ExchangeRate.objects.select_related("recorded_by").order_by("currency", "-valid_from", "-pk")
    currency = normalise_currency(currency)
    return rows.filter(currency=currency) if currency else rows


def currencies() -> list[str]:
    return list(ExchangeRate.objects.order_by("currency").values_list("currency", flat=True).distinct())


def current_rates(day: date) -> list[dict]:
    """Per currency, the rate that applies on `day` (None when its first rate starts later)."""
    found = []
    for code in currencies():
        row = (ExchangeRate.objects.filter(currency=code, valid_from__lte=day).order_by("-valid_from", "-pk")
               .first())
        found.append({"currency": code, "rate": row})
    return found
