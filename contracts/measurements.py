"""Parsing a CSV of KPI measurements, without the ORM: every row is checked and every problem reported with its
row number; the caller saves nothing unless there are no problems.

Columns (header row required, any order, case-insensitive): kpi, measured_on (YYYY-MM-DD), value, note (optional).
Cells that a spreadsheet would run as a formula are refused in the kpi column and neutralised in the note.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from procurement.spreadsheets import FORMULA_PREFIXES, neutralise

MAX_BYTES = 512 * 1024
MAX_ROWS = 2000
REQUIRED = ("kpi", "measured_on", "value")


@dataclass(frozen=True)
class Row:
    line: int
    kpi: str
    measured_on: date
    value: Decimal
    note: str


def parse(data: bytes, *, kpi_names: set[str], today: date) -> tuple[list[Row], list[str]]:
    """(rows, problems). `kpi_names` are the contract's KPI names, compared case-insensitively."""
    if len(data) > MAX_BYTES:
        return [], [f"The file is larger than {MAX_BYTES // 1024} KB; split it."]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["The file is not UTF-8 text; save it as CSV (UTF-8)."]
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [f"The header row must name the columns kpi, measured_on and value (missing: {', '.join(missing)})."]
    reader.fieldnames = header
    known = {name.lower(): name for name in kpi_names}
    rows, problems, seen = [], [], set()
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            problems.append(f"More than {MAX_ROWS} rows; split the file.")
            break
        cells = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        errors = []
        name = cells.get("kpi", "")
        if name.startswith(FORMULA_PREFIXES):
            errors.append("the KPI name looks like a spreadsheet formula")
        elif name.lower() not in known:
            errors.append(f"unknown KPI “{name[:60]}”" if name else "the KPI is missing")
        try:
            measured_on = date.fromisoformat(cells.get("measured_on", ""))
            if measured_on > today:
                errors.append("the date is in the future")
        except ValueError:
            measured_on = None
            errors.append("the date must be written YYYY-MM-DD")
        try:
            value = Decimal(cells.get("value", "").replace(",", ".") if cells.get("value", "").count(",") == 1
                            and "." not in cells.get("value", "") else cells.get("value", ""))
            if not value.is_finite() or abs(value) >= Decimal(10) ** 10:
                raise InvalidOperation
        except InvalidOperation:
            value = None
            errors.append("the value must be a number")
        note = cells.get("note", "")
        if len(note) > 300:
            errors.append("the note is longer than 300 characters")
        if name and measured_on and (name.lower(), measured_on) in seen:
            errors.append("the same KPI and date appear twice in the file")
        if errors:
            problems.append(f"Row {line}: " + "; ".join(errors) + ".")
            continue
        seen.add((name.lower(), measured_on))
        rows.append(Row(line, known[name.lower()], measured_on, value, neutralise(note)))
    if not rows and not problems:
        problems.append("The file has no measurement rows.")
    return rows, problems
