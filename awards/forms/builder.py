"""The scorecard builder's form (issue 21): four tables of rows posted as <section>-<index>-<field>, turned into
the plain rows of awards.services.scorecard_builder.scorecard_build, and that service's errors (by row position)
put back next to the row they came from. The form only shapes input; every rule lives in the services.

Row indexes are stable within a page: rows loaded from the scorecard are numbered 0..n-1, a row added in the page
takes the next free number. A criterion names its group, and the requirements it assesses, by those numbers (the
row's `ref`). An existing row carries its id in a hidden field; a row taken out of the page (by the script) or
ticked "remove" (without JavaScript) is not sent, so its id is missing and the service removes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from awards.models import Requirement
from awards.models.scorecard import Knockout
from vendors.models import Attestation

SECTIONS = {  # form prefix -> (service list, fields; multi-valued fields end with [])
    "req": ("requirements", ("title", "priority", "description")),
    "group": ("groups", ("name", "weight")),
    "crit": ("criteria", ("group", "name", "description", "guidance", "share", "requirements[]")),
    "ko": ("knockouts", ("name", "description", "kind", "standards[]", "horizon_months")),
}
SECTION_OF_LIST = {name: prefix for prefix, (name, _) in SECTIONS.items()}
MAX_INDEX = 400  # rows per table a page may post
KEY = re.compile(r"^(req|group|crit|ko)-(\d{1,4})-([a-z_]+)$")
TEXT_LIMIT = 5000
PRIORITIES = Requirement.Priority.choices
KINDS = Knockout.Kind.choices
STANDARDS = [c for c in Attestation.Standard.choices if c[0] != Attestation.Standard.OTHER]


def _fields(prefix: str) -> list[str]:
    return [f.rstrip("[]") for f in SECTIONS[prefix][1]]


def _multi(prefix: str) -> set[str]:
    return {f[:-2] for f in SECTIONS[prefix][1] if f.endswith("[]")}


def blank_row(prefix: str) -> dict:
    row = {name: ([] if name in _multi(prefix) else "") for name in _fields(prefix)}
    row["id"] = ""
    if prefix == "req":
        row["priority"] = Requirement.Priority.MUST
    if prefix == "crit":
        row["share"] = "1"
    if prefix == "ko":
        row["kind"], row["horizon_months"] = Knockout.Kind.MANUAL, "12"
    return row


@dataclass
class BuilderData:
    """The builder's rows by form prefix: {prefix: {index: row}}, in index order, plus scale and reason."""

    rows: dict = field(default_factory=lambda: {prefix: {} for prefix in SECTIONS})
    scale: str = "5"
    reason: str = ""

    # --- from the page ----------------------------------------------------------------------------------------
    @classmethod
    def from_post(cls, post) -> BuilderData:
        data = cls(scale=str(post.get("scale", "5"))[:10], reason=str(post.get("reason", ""))[:2000])
        removed = set()
        for key in post:
            match = KEY.match(key)
            if not match:
                continue
            prefix, index, name = match.group(1), int(match.group(2)), match.group(3)
            if index > MAX_INDEX:
                continue
            if name == "remove":
                removed.add((prefix, index))
                continue
            if name != "id" and name not in _fields(prefix):
                continue
            row = data.rows[prefix].setdefault(index, blank_row(prefix) | {"present": True})
            if name in _multi(prefix):
                row[name] = [str(v)[:40] for v in post.getlist(key)][:200]
            else:
                row[name] = str(post.get(key, ""))[:TEXT_LIMIT]
        for prefix in SECTIONS:
            # A multi-valued field with nothing ticked is not posted: the row's other fields say it exists.
            data.rows[prefix] = {i: row for i, row in sorted(data.rows[prefix].items())
                                 if (prefix, i) not in removed}
        return data

    # --- from the scorecard ------------------------------------------------------------------------------------
    @classmethod
    def from_scorecard(cls, *, requirements, scorecard, groups, criteria, knockouts) -> BuilderData:
        data = cls(scale=str(scorecard.scale) if scorecard else "5")
        req_index = {}
        for i, r in enumerate(requirements):
            req_index[r.pk] = i
            data.rows["req"][i] = {"id": str(r.pk), "title": r.title, "priority": r.priority,
                                   "description": r.description, "code": r.code}
        group_index = {}
        for i, g in enumerate(groups):
            group_index[g.pk] = i
            data.rows["group"][i] = {"id": str(g.pk), "name": g.name, "weight": _plain(g.weight)}
        for i, c in enumerate(criteria):
            data.rows["crit"][i] = {"id": str(c.pk), "group": str(group_index.get(c.group_id, "")), "name": c.name,
                                    "description": c.description, "guidance": c.guidance, "share": _plain(c.share),
                                    "requirements": [str(req_index[r.pk]) for r in c.requirements.all()
                                                     if r.pk in req_index],
                                    "price_scored": c.price_scored}
        for i, k in enumerate(knockouts):
            data.rows["ko"][i] = {"id": str(k.pk), "name": k.name, "description": k.description, "kind": k.kind,
                                  "standards": list(k.standards or []), "horizon_months": str(k.horizon_months)}
        return data

    # --- rows ------------------------------------------------------------------------------------------------
    def next_index(self, prefix: str) -> int:
        return max(self.rows[prefix], default=-1) + 1

    def add_blank(self, prefix: str, count: int = 1) -> None:
        for _ in range(count):
            index = self.next_index(prefix)
            if index > MAX_INDEX:
                return
            self.rows[prefix][index] = blank_row(prefix)

    def filled(self, prefix: str) -> list[tuple[int, dict]]:
        """The rows to send: existing rows, and new rows with something typed in them."""
        return [(i, row) for i, row in self.rows[prefix].items() if row.get("id") or _typed(prefix, row)]

    def service_arguments(self) -> tuple[dict, dict]:
        """(keyword arguments for scorecard_build, {list name: [form index of each row sent]})."""
        arguments, origin = {"scale": self.scale.strip(), "reason": self.reason}, {}
        for prefix, (name, _) in SECTIONS.items():
            rows = self.filled(prefix)
            origin[name] = [i for i, _ in rows]
            arguments[name] = [{**{k: v for k, v in row.items() if k in _fields(prefix)},
                                "id": row.get("id") or None, "ref": str(i)} for i, row in rows]
        return arguments, origin

    # --- what the template shows -------------------------------------------------------------------------------
    def group_choices(self) -> list[tuple[str, str]]:
        return [(str(i), row.get("name") or f"New group {n + 1}")
                for n, (i, row) in enumerate(self.rows["group"].items())]

    def requirement_choices(self) -> list[tuple[str, str]]:
        return [(str(i), f"{row.get('code') or 'New'} {row.get('title') or ''}".strip())
                for i, row in self.rows["req"].items() if row.get("id") or _typed("req", row)]


def _typed(prefix: str, row: dict) -> bool:
    """Something was typed in a new row (defaults such as share 1 or kind manual do not count)."""
    defaults = blank_row(prefix)
    return any(row.get(name) not in ("", [], None, defaults.get(name)) for name in _fields(prefix))


def _plain(number) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def row_errors(errors: dict, origin: dict) -> tuple[dict, dict]:
    """The service's errors ({list: {position: {field: msgs}}} plus top-level keys) as ({prefix: {form index:
    {field: msgs}}}, {top-level key: msgs})."""
    by_row = {prefix: {} for prefix in SECTIONS}
    top = {}
    for key, value in errors.items():
        if key in SECTION_OF_LIST and isinstance(value, dict):
            prefix = SECTION_OF_LIST[key]
            for position, fields in value.items():
                if 0 <= position < len(origin.get(key, [])):
                    by_row[prefix][origin[key][position]] = fields
        else:
            top[key] = value
    return by_row, top
