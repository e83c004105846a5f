"""Writes on price (issue 20): the lead's volume assumptions, and a bid's price schedule turned into PriceLine rows.

The schedule's plain-data shape (what the portal seals and what the opening hands back):

    {"currency": "EUR",
     "lines": [{"kind": "one_off",   "label": "Onboarding",  "amount": "12000"},
               {"kind": "recurring", "label": "Platform fee", "amount": "3000", "period": "month"},
               {"kind": "usage",     "label": "Input tokens", "amount": "2.50", "assumption": "<assumption key>"}]}

`price_schedule_clean` is the one validation of that shape (the portal's form, the opening and the lead's form for
recorded bids all call it); `price_lines_from_schedule` writes the rows once the schedule may be read.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from awards.models import Bid, PriceLine, VolumeAssumption
from procurement.audit.history import attribute
from procurement.money import normalise_currency
from procurement.services import model_save

MAX_LINES = 50
MAX_AMOUNT = Decimal("1e11")


def _amount(value, where: str, errors: list[str]) -> str | None:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors.append(f"{where}: “{value}” is not an amount.")
        return None
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        errors.append(f"{where}: the amount must be zero or more and below {MAX_AMOUNT:,.0f}.")
        return None
    if amount.as_tuple().exponent < -4:
        errors.append(f"{where}: use at most four decimal places.")
        return None
    return str(amount.normalize()) if amount == amount.to_integral() else str(amount)


def price_schedule_clean(*, procedure, data) -> dict:
    """The schedule in its canonical form, or ValidationError with one sentence per problem (nothing partial)."""
    if not isinstance(data, dict):
        raise ValidationError({"lines": "The price schedule is not in the expected form."})
    errors: dict[str, list[str]] = {"currency": [], "lines": []}
    try:
        currency = normalise_currency(str(data.get("currency") or ""))
    except Exception:
        currency = ""
    if not (len(currency) == 3 and currency.isalpha()):
        errors["currency"].append("Use a three-letter currency code such as EUR.")
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        errors["lines"].append("Add at least one price line.")
        lines = []
    if len(lines) > MAX_LINES:
        errors["lines"].append(f"At most {MAX_LINES} price lines.")
        lines = lines[:MAX_LINES]
    assumptions = set(VolumeAssumption.objects.filter(procedure=procedure).values_list("key", flat=True))
    clean_lines = []
    for number, line in enumerate(lines, start=1):
        where = f"Line {number}"
        if not isinstance(line, dict):
            errors["lines"].append(f"{where} is not in the expected form.")
            continue
        kind = line.get("kind")
        label = str(line.get("label") or "").strip()
        if kind not in PriceLine.Kind.values:
            errors["lines"].append(f"{where}: choose one-off, recurring or usage-based.")
            continue
        if not label or len(label) > 200:
            errors["lines"].append(f"{where}: describe the line (at most 200 characters).")
        amount = _amount(line.get("amount"), where, errors["lines"])
        clean = {"kind": kind, "label": label, "amount": amount}
        if kind == PriceLine.Kind.RECURRING:
            period = line.get("period")
            if period not in (PriceLine.Period.MONTH, PriceLine.Period.YEAR):
                errors["lines"].append(f"{where}: a recurring amount is per month or per year.")
            clean["period"] = period
        if kind == PriceLine.Kind.USAGE:
            key = line.get("assumption")
            if key not in assumptions:
                errors["lines"].append(f"{where}: price usage against one of the procedure's volume assumptions.")
            clean["assumption"] = key
        clean_lines.append(clean)
    errors = {field: msgs for field, msgs in errors.items() if msgs}
    if errors:
        raise ValidationError(errors)
    return {"currency": currency, "lines": clean_lines}


def price_lines_from_schedule(*, actor, bid: Bid, schedule: dict) -> list[PriceLine]:
    """Write the bid's price lines from a schedule (checked again here) and its currency on the bid. Runs inside the
    caller's transaction (the opening, or the lead recording a bid received outside Baton)."""
    schedule = price_schedule_clean(procedure=bid.procedure, data=schedule)
    if bid.price_lines.exists():
        raise ValidationError({"lines": "This bid's price schedule is already recorded."})
    by_key = {a.key: a for a in VolumeAssumption.objects.filter(procedure_id=bid.procedure_id)}
    created = []
    for position, line in enumerate(schedule["lines"]):
        row = PriceLine(bid=bid, kind=line["kind"], label=line["label"], amount=Decimal(line["amount"]),
                        period=line.get("period") or "", assumption=by_key.get(line.get("assumption")),
                        position=position, recorded_by=actor)
        model_save(row, actor=actor, reason="Price line recorded from the bid's price schedule")
        created.append(row)
    bid.price_currency = schedule["currency"]
    attribute(bid, actor=actor, reason="Price schedule recorded")
    bid.save(update_fields=["price_currency", "updated_at"])
    return created
