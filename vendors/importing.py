"""Vendor import from CSV or XLSX: parse and validate every row, show a preview, save only a clean file.

Columns (header row, any order, case-insensitive): legal_name, trading_name, website, country, offering_type,
ai_act_role, data_categories (separated by ';'), description, owner (a Procurement lead's username; blank = you).
Choice columns take the code or the label shown in Baton (e.g. "ai_saas" or "AI SaaS tool"). The country column
takes the ISO 3166 two-letter code in any case ("ie", "IE") or the country's English name as Baton lists it
("Ireland", any case); anything else (a three-letter code, a misspelt name) is refused at its row.
"""

import csv
import io
from dataclasses import dataclass, field

import openpyxl
from django.core.exceptions import ValidationError
from django_countries import countries

from procurement.accounts.models import User
from procurement.accounts.roles import Role, has_role
from procurement.validators import readable_text
from vendors import files
from vendors.models import AiActRole, DataCategory, OfferingType, Vendor

COLUMNS = ("legal_name", "trading_name", "website", "country", "offering_type", "ai_act_role", "data_categories",
           "description", "owner")
REQUIRED_COLUMNS = ("legal_name", "country", "offering_type", "ai_act_role")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
FORMULA_STARTS = ("=", "+", "@")  # a cell a spreadsheet would run; "-" is left alone (text often starts with it)


class ImportRefused(ValueError):
    pass


@dataclass
class ImportRow:
    line: int
    values: dict
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    file_errors: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return bool(self.rows) and not self.file_errors and all(row.ok for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(len(r.errors) for r in self.rows)


def _choice(value: str, choices) -> str | None:
    wanted = (value or "").strip().lower()
    for code, label in choices.choices:
        if wanted in (code.lower(), str(label).lower()):
            return code
    return None


def country_code(value: str) -> str | None:
    """The two-letter code for a code (any case) or an exact English country name (any case); None otherwise."""
    wanted = (value or "").strip()
    if len(wanted) == 2 and wanted.upper() in countries:
        return wanted.upper()
    if len(wanted) > 2:
        return countries.by_name(wanted) or None
    return None


def _read_table(data: bytes, name: str) -> list[list[str]]:
    try:
        detected = files.detect(data, name)
    except files.UploadRefused as exc:
        raise ImportRefused(str(exc)) from None
    if detected is files.XLSX:
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any parse failure is the file's fault
            raise ImportRefused("The workbook could not be read; save it again as .xlsx and retry.") from None
        sheet = book.worksheets[0]
        rows = [["" if c is None else str(c).strip() for c in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    if detected is files.CSV:
        text = data.decode("utf-8-sig")
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    raise ImportRefused("Upload a .csv or .xlsx file.")


def validate_row(values: dict, *, line: int, actor, seen: set[str]) -> ImportRow:
    row = ImportRow(line=line, values=values)
    cleaned = {k: (values.get(k) or "").strip() for k in COLUMNS}
    for name, value in cleaned.items():
        if value.startswith(FORMULA_STARTS):
            row.errors.append(f"{name}: “{value[:40]}” starts like a spreadsheet formula; enter the text itself")
        try:
            readable_text(value)
        except ValidationError as exc:
            row.errors.append(f"{name}: {' '.join(exc.messages)}")
    offering = _choice(cleaned["offering_type"], OfferingType)
    role = _choice(cleaned["ai_act_role"], AiActRole)
    if cleaned["offering_type"] and offering is None:
        row.errors.append(f"offering_type: “{cleaned['offering_type']}” is not one of "
                          + ", ".join(OfferingType.values))
    if cleaned["ai_act_role"] and role is None:
        row.errors.append(f"ai_act_role: “{cleaned['ai_act_role']}” is not one of " + ", ".join(AiActRole.values))
    country = country_code(cleaned["country"])
    if cleaned["country"] and country is None:
        row.errors.append(f"country: “{cleaned['country'][:60]}” is neither a two-letter country code (e.g. IE) "
                          "nor a country's English name (e.g. Ireland)")
    categories = []
    for part in filter(None, (p.strip() for p in cleaned["data_categories"].split(";"))):
        code = _choice(part, DataCategory)
        if code is None:
            row.errors.append(f"data_categories: “{part}” is not a known category")
        else:
            categories.append(code)
    owner = actor
    if cleaned["owner"]:
        owner = User.objects.filter(username=cleaned["owner"], is_active=True).first()
        if owner is None or not has_role(owner, Role.PROCUREMENT_LEAD):
            row.errors.append(f"owner: “{cleaned['owner']}” is not an active Procurement lead")
            owner = actor
    key = cleaned["legal_name"].lower()
    if key and key in seen:
        row.errors.append("legal_name: appears twice in this file")
    seen.add(key)
    vendor = Vendor(legal_name=cleaned["legal_name"], trading_name=cleaned["trading_name"],
                    website=cleaned["website"], country=country or "", offering_type=offering or "",
                    ai_act_role=role or "", data_categories=categories, description=cleaned["description"],
                    owner=owner)
    try:
        vendor.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name in ("offering_type", "ai_act_role") and cleaned[name] and not (offering and role):
                continue  # already explained above
            if name == "country" and cleaned["country"] and country is None:
                continue  # already explained above
            row.errors.extend(f"{name}: {m}" for m in messages)
    row.values = {"legal_name": vendor.legal_name, "trading_name": vendor.trading_name, "website": vendor.website,
                  "country": str(vendor.country or ""), "offering_type": vendor.offering_type,
                  "ai_act_role": vendor.ai_act_role, "data_categories": categories,
                  "description": vendor.description, "owner_id": owner.pk}
    return row


def parse(data: bytes, name: str, *, actor) -> ImportPreview:
    """Validate a whole file; nothing is written."""
    if len(data) > MAX_IMPORT_BYTES:
        return ImportPreview([], [f"The file is larger than {MAX_IMPORT_BYTES // 1048576} MB."])
    try:
        table = _read_table(data, name)
    except (ImportRefused, UnicodeDecodeError, csv.Error) as exc:
        message = str(exc) if isinstance(exc, ImportRefused) else "The file is not UTF-8 CSV text."
        return ImportPreview([], [message])
    table = [r for r in table if any(cell for cell in r)]
    if not table:
        return ImportPreview([], ["The file is empty."])
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    problems = []
    if missing:
        problems.append("Missing column(s): " + ", ".join(missing))
    if unknown:
        problems.append("Unknown column(s): " + ", ".join(unknown) + ". Expected: " + ", ".join(COLUMNS))
    if len(table) - 1 > MAX_ROWS:
        problems.append(f"At most {MAX_ROWS} vendors per file.")
    if problems:
        return ImportPreview([], problems)
    if len(table) == 1:
        return ImportPreview([], ["The file has a header but no vendors."])
    seen: set[str] = set()
    rows = []
    for line, raw in enumerate(table[1:], start=2):
        values = {h: (raw[i] if i < len(raw) else "") for i, h in enumerate(header) if h}
        rows.append(validate_row(values, line=line, actor=actor, seen=seen))
    return ImportPreview(rows)
