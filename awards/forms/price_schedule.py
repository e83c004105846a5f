"""The price schedule as rows of a form (issue 20), shared by the bidder's portal page and the lead's page for a
bid received outside Baton: rows posted as kind-N, label-N, amount-N, period-N, assumption-N, turned into the plain
schedule shape of awards.services.price (checked there by price_schedule_clean), and the checker's "Line N" errors
put back next to the row they came from."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError

from awards import pricing
from awards.models import PriceLine
from awards.services.price import MAX_LINES

MIN_ROWS = 3
MAX_ROWS = MAX_LINES
LINE_ERROR = re.compile(r"^Line (\d+)\b:?\s*(.*)$", re.S)
FIELDS = ("kind", "label", "amount", "period", "assumption")


def rows_from_post(data) -> list[dict]:
    try:
        count = int(data.get("rows", MIN_ROWS))
    except (TypeError, ValueError):
        count = MIN_ROWS
    count = max(1, min(count, MAX_ROWS))
    rows = []
    for index in range(count):
        row = {name: str(data.get(f"{name}-{index}", "")).strip()[:300] for name in FIELDS}
        rows.append(row)
    return rows


def filled(row: dict) -> bool:
    return bool(row["label"] or row["amount"])


def schedule_from_rows(currency: str, rows: list[dict]) -> tuple[dict, list[int]]:
    """The schedule's plain-data shape from the filled rows, and for each line the row index it came from."""
    lines, origin = [], []
    for index, row in enumerate(rows):
        if not filled(row):
            continue
        line = {"kind": row["kind"], "label": row["label"], "amount": row["amount"]}
        if row["kind"] == PriceLine.Kind.RECURRING:
            line["period"] = row["period"]
        if row["kind"] == PriceLine.Kind.USAGE:
            line["assumption"] = row["assumption"]
        lines.append(line)
        origin.append(index)
    return {"currency": currency, "lines": lines}, origin


def schedule_total(clean: dict, assumptions: dict, term_months: int) -> Decimal:
    lines = [pricing.Line(kind=line["kind"], amount=Decimal(line["amount"]), period=line.get("period") or "",
                          monthly_volume=assumptions[line["assumption"]].monthly_volume
                          if line["kind"] == PriceLine.Kind.USAGE else None)
             for line in clean["lines"]]
    return pricing.term_total(lines, term_months)


def schedule_errors(exc: ValidationError, origin: list[int]) -> tuple[dict, list[str], dict]:
    """(row index -> messages, messages for the whole schedule, field -> messages)."""
    by_row: dict[int, list[str]] = {}
    general: list[str] = []
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"lines": exc.messages}
    for message in fields.get("lines", []):
        match = LINE_ERROR.match(message)
        if match and 0 < int(match.group(1)) <= len(origin):
            by_row.setdefault(origin[int(match.group(1)) - 1], []).append(message)
        else:
            general.append(message)
    return by_row, general, {k: v for k, v in fields.items() if k != "lines"}


def blank_rows(count: int = MIN_ROWS) -> list[dict]:
    return [{name: "" for name in FIELDS} | {"kind": "one_off"} for _ in range(count)]


def schedule_post(post, *, procedure, assumptions: dict, context: dict, save) -> tuple[str, list[dict], int, bool]:
    """The one handling of a posted price-schedule form (the lead's for recorded bids, the bidder's in the portal):
    "add_rows" adds blank rows; "preview" checks the schedule and works out its total; "save" also calls
    `save(data)` (the caller's service). Errors go into `context` (by row, at the top, by field) with the status
    to answer. Returns (currency, rows, status, saved)."""
    from awards.services.price import price_schedule_clean
    from procurement.exceptions import DomainError
    from procurement.money import money

    currency = str(post.get("currency", "")).strip().upper()[:10]
    rows = rows_from_post(post)
    action = post.get("action", "preview")
    if action == "add_rows":
        return currency, (rows + blank_rows(3))[:MAX_ROWS], 200, False
    data, origin = schedule_from_rows(currency, rows)
    try:
        clean = price_schedule_clean(procedure=procedure, data=data)
        context["total"] = f"{money(schedule_total(clean, assumptions, procedure.term_months))} {clean['currency']}"
        if action == "save":
            save(data)
            return currency, rows, 200, True
    except ValidationError as exc:
        context["row_errors"], context["errors"], context["field_errors"] = schedule_errors(exc, origin)
        return currency, rows, 400, False
    except DomainError as exc:
        context["errors"] = [str(exc)]
        return currency, rows, 409, False
    return currency, rows, 200, False
