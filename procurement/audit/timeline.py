"""Readable audit timelines built from django-simple-history rows.

A change is shown as "field: old → new" with labels a person understands: choice labels instead of codes,
the related record's name instead of its id, Yes/No for booleans. Foreign keys are resolved in one query per
related model, never one per row.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.utils import formats, timezone

# Bookkeeping fields that change on every save and say nothing to a reader.
SKIPPED_FIELDS = {"id", "created_at", "updated_at", "last_login"}
# Fields whose values must never be shown, only that they changed.
SECRET_FIELDS = {"password"}
MAX_VALUE_LENGTH = 240
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime
    who: str
    action: str
    reason: str
    object_type: str
    object_id: object
    history_id: int
    changes: list[Change] = field(default_factory=list)


def _tracked_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS]


def _display(field_: models.Field, value, related_names: dict) -> str:
    if field_.name in SECRET_FIELDS:
        return "(hidden)"
    if value is None or value == "" or value == []:
        return "—"
    if field_.is_relation:
        return related_names.get((field_.related_model, value), f"#{value} (no longer exists)")
    if field_.choices:
        return str(dict(field_.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(field_, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def _related_names(model: type[models.Model], records: list) -> dict:
    """{(related model, pk): str(object)} for every foreign key value in `records`, one query per model."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for field_ in _tracked_fields(model):
        if field_.is_relation and field_.many_to_one:
            for record in records:
                value = getattr(record, field_.attname)
                if value is not None:
                    wanted[field_.related_model].add(value)
    names = {}
    for related, ids in wanted.items():
        for pk, obj in related._default_manager.in_bulk(list(ids)).items():
            names[(related, pk)] = str(obj)
    return names


def _who(record) -> str:
    user = record.history_user
    return str(user) if user is not None else "system"


def entries_for(model: type[models.Model], records: list) -> list[Entry]:
    """Entries (newest first) for the history `records` of objects of `model`, oldest first per object."""
    names = _related_names(model, records)
    fields = _tracked_fields(model)
    previous: dict[object, object] = {}
    entries: list[Entry] = []
    for record in records:
        object_id = getattr(record, model._meta.pk.attname)
        before = previous.get(object_id)
        changes = []
        if record.history_type != "-":
            for field_ in fields:
                new = getattr(record, field_.attname)
                old = getattr(before, field_.attname) if before is not None else None
                if before is None and new in (None, "", [], False):
                    continue  # on creation, list only what was filled in
                if before is not None and old == new:
                    continue
                changes.append(Change(
                    field=str(field_.verbose_name).capitalize(),
                    old=_display(field_, old, names) if before is not None else "",
                    new=_display(field_, new, names),
                ))
        entries.append(Entry(
            when=record.history_date, who=_who(record), action=ACTIONS.get(record.history_type, "changed"),
            reason=record.history_change_reason or "", object_type=str(model._meta.verbose_name),
            object_id=object_id, history_id=record.history_id, changes=changes,
        ))
        previous[object_id] = record
    entries.reverse()
    return entries


def object_timeline(instance: models.Model) -> list[Entry]:
    model = type(instance)
    manager_name = model._meta.simple_history_manager_attribute
    records = list(
        getattr(instance, manager_name).select_related("history_user").order_by("history_date", "history_id")
    )
    return entries_for(model, records)
