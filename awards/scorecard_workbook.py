"""A scorecard as an XLSX workbook and back (issue 21). Pure of views and of writes: `scorecard_xlsx` turns the
builder's rows into a file; `scorecard_parse` reads such a file into builder rows for the page to preview. The
lead then saves through awards.services.scorecard_builder.scorecard_build like any other edit.

Layout (one sheet each, the first row names the columns):
  Scorecard   Setting | Value                      (one row: Scale | 5)
  Groups      Group | Weight
  Criteria    Group | Criterion | Share | Effective weight | Description | Guidance | Requirements
  Knockouts   Knockout | Description | Kind | Standards | Horizon (months)
"Effective weight" is written for the reader and ignored on import; "Requirements" lists requirement codes
(R1, R3) of the procedure; "Kind" and "Standards" take the codes or the labels Baton shows. Every text cell is
written formula-safe (procurement.spreadsheets.neutralise) and the apostrophe it adds is taken off on import.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from awards.models.scorecard import Knockout
from procurement.spreadsheets import FORMULA_PREFIXES, workbook_bytes
from vendors.models import Attestation

SHEETS = {
    "Scorecard": ("Setting", "Value"),
    "Groups": ("Group", "Weight"),
    "Criteria": ("Group", "Criterion", "Share", "Effective weight", "Description", "Guidance", "Requirements"),
    "Knockouts": ("Knockout", "Description", "Kind", "Standards", "Horizon (months)"),
}
MAX_ROWS = 400
MAX_BYTES = 2 * 1024 * 1024
KIND_BY_TEXT = {**{v.lower(): v for v in Knockout.Kind.values},
                **{str(label).lower(): v for v, label in Knockout.Kind.choices}}
STANDARD_BY_TEXT = {**{v.lower(): v for v in Attestation.Standard.values},
                    **{str(label).lower(): v for v, label in Attestation.Standard.choices}}


def _number(value) -> str:
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def scorecard_xlsx(*, scale, groups: list[dict], criteria: list[dict], knockouts: list[dict],
                   weights: dict | None = None) -> bytes:
    """The workbook. `groups`: {"name", "weight"}; `criteria`: {"group" (a group name), "name", "share",
    "description", "guidance", "requirements" (codes)}, with `weights` the effective weight by criterion position;
    `knockouts`: {"name", "description", "kind", "standards", "horizon_months"}."""
    weights = weights or {}
    kinds = dict(Knockout.Kind.choices)
    tables = {
        "Scorecard": [list(SHEETS["Scorecard"]), ["Scale", int(scale)]],
        "Groups": [list(SHEETS["Groups"])] + [[g["name"], Decimal(str(g["weight"]))] for g in groups],
        "Criteria": [list(SHEETS["Criteria"])] + [
            [c["group"], c["name"], Decimal(str(c["share"])), weights.get(i), c.get("description", ""),
             c.get("guidance", ""), ", ".join(c.get("requirements", []))] for i, c in enumerate(criteria)],
        "Knockouts": [list(SHEETS["Knockouts"])] + [
            [k["name"], k.get("description", ""), str(kinds.get(k.get("kind"), k.get("kind", ""))),
             ", ".join(k.get("standards") or []), int(k.get("horizon_months") or 12)] for k in knockouts],
    }
    return workbook_bytes(tables, header_row=True, width=24)


# --- import ---------------------------------------------------------------------------------------------------


@dataclass
class ParsedScorecard:
    scale: str = "5"
    groups: list[dict] = field(default_factory=list)  # {"name", "weight"}
    criteria: list[dict] = field(default_factory=list)  # {"group" (name), "name", "share", ..., "requirements"}
    knockouts: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "Sheet Criteria, row 4, column Group: ..."


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]  # the apostrophe the export put before text that looks like a formula
    return text


def _decimal_text(value) -> str | None:
    text = _text(value)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return _number(number) if number.is_finite() else None


def scorecard_parse(upload, *, requirement_codes: set[str]) -> ParsedScorecard:
    """Read a workbook in the layout above. Every problem names its sheet, row and column; the result carries
    either rows or errors (never a half reading)."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    parsed = ParsedScorecard()
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        parsed.errors.append("The file is larger than 2 MB; a scorecard workbook is much smaller.")
        return parsed
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        parsed.errors.append("This is not an XLSX workbook. Export the scorecard first and fill that file in.")
        return parsed
    try:
        sheets = {}
        for name, header in SHEETS.items():
            if name not in book.sheetnames:
                parsed.errors.append(f"Sheet {name} is missing (the workbook needs the sheets "
                                     f"{', '.join(SHEETS)}).")
                continue
            rows = list(book[name].iter_rows(max_row=MAX_ROWS + 2, values_only=True))
            found = [_text(v) for v in (rows[0] if rows else ())]
            for column, wanted in enumerate(header):
                got = found[column] if column < len(found) else ""
                if got.lower() != wanted.lower():
                    parsed.errors.append(f"Sheet {name}, row 1, column {_letter(column)}: expected the heading "
                                         f"“{wanted}”, found “{got}”.")
            if len(rows) > MAX_ROWS + 1:
                parsed.errors.append(f"Sheet {name}: more than {MAX_ROWS} rows.")
            sheets[name] = [(number, row) for number, row in enumerate(rows[1:MAX_ROWS + 1], start=2)
                            if any(_text(v) for v in row)]
    finally:
        book.close()
    if parsed.errors:
        return parsed
    _read_scale(parsed, sheets["Scorecard"])
    names = _read_groups(parsed, sheets["Groups"])
    _read_criteria(parsed, sheets["Criteria"], names, requirement_codes)
    _read_knockouts(parsed, sheets["Knockouts"])
    if parsed.errors:
        parsed.groups, parsed.criteria, parsed.knockouts = [], [], []
    return parsed


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column + 1)


def _cell(row, column: int):
    return row[column] if column < len(row) else None


def _error(parsed: ParsedScorecard, sheet: str, number: int, column: int, message: str) -> None:
    heading = SHEETS[sheet][column]
    parsed.errors.append(f"Sheet {sheet}, row {number}, column {_letter(column)} ({heading}): {message}")


def _read_scale(parsed, rows) -> None:
    for number, row in rows:
        if _text(_cell(row, 0)).lower() == "scale":
            value = _text(_cell(row, 1))
            if not re.fullmatch(r"\d{1,2}", value):
                _error(parsed, "Scorecard", number, 1, "the scale is a whole number (scores run from 0 to it).")
            parsed.scale = value
            return


def _read_groups(parsed, rows) -> set[str]:
    names = set()
    for number, row in rows:
        name, weight = _text(_cell(row, 0)), _decimal_text(_cell(row, 1))
        if not name:
            _error(parsed, "Groups", number, 0, "give the group a name.")
        elif name.lower() in names:
            _error(parsed, "Groups", number, 0, f"the group “{name}” appears twice.")
        if weight is None:
            _error(parsed, "Groups", number, 1, "enter the weight as a number.")
        names.add(name.lower())
        parsed.groups.append({"name": name, "weight": weight or ""})
    return names


def _read_criteria(parsed, rows, group_names: set[str], codes: set[str]) -> None:
    by_upper = {c.upper(): c for c in codes}
    for number, row in rows:
        group, name = _text(_cell(row, 0)), _text(_cell(row, 1))
        share = _decimal_text(_cell(row, 2)) if _text(_cell(row, 2)) else "1"
        if group.lower() not in group_names:
            _error(parsed, "Criteria", number, 0, f"no group named “{group}” on the sheet Groups.")
        if not name:
            _error(parsed, "Criteria", number, 1, "give the criterion a name.")
        if share is None:
            _error(parsed, "Criteria", number, 2, "enter the share as a number.")
        wanted = [c.strip() for c in re.split(r"[,;\s]+", _text(_cell(row, 6))) if c.strip()]
        unknown = [c for c in wanted if c.upper() not in by_upper]
        if unknown:
            _error(parsed, "Criteria", number, 6, f"this procedure has no requirement {', '.join(unknown)}.")
        parsed.criteria.append({"group": group, "name": name, "share": share or "1",
                                "description": _text(_cell(row, 4)), "guidance": _text(_cell(row, 5)),
                                "requirements": [by_upper[c.upper()] for c in wanted if c.upper() in by_upper]})


def _read_knockouts(parsed, rows) -> None:
    for number, row in rows:
        name, kind_text = _text(_cell(row, 0)), _text(_cell(row, 2))
        kind = KIND_BY_TEXT.get(kind_text.lower()) if kind_text else Knockout.Kind.MANUAL
        if not name:
            _error(parsed, "Knockouts", number, 0, "give the knockout a name.")
        if kind is None:
            _error(parsed, "Knockouts", number, 2, f"the kind is one of {', '.join(Knockout.Kind.values)}.")
        standards = []
        for text in [s.strip() for s in _text(_cell(row, 3)).split(",") if s.strip()]:
            if text.lower() in STANDARD_BY_TEXT:
                standards.append(STANDARD_BY_TEXT[text.lower()])
            else:
                _error(parsed, "Knockouts", number, 3, f"“{text}” is not a standard Baton knows.")
        horizon = _text(_cell(row, 4)) or "12"
        if not horizon.isdigit():
            _error(parsed, "Knockouts", number, 4, "the horizon is a whole number of months.")
        parsed.knockouts.append({"name": name, "description": _text(_cell(row, 1)), "kind": kind or "",
                                 "standards": standards, "horizon_months": horizon})
