"""Readable audit timelines built from django-simple-history rows.

A change is shown as "field: old → new" with labels a person understands: choice labels instead of codes,
the related record's name instead of its id, Yes/No for booleans. Foreign keys are resolved in one query per
related model, never one per row.

`merged_timeline` folds the history of a root object and of its parts (procurement.audit.registry.Part) into
one list, newest first: one query per part and one per related model, whatever the number of rows.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.utils import formats, timezone

# Bookkeeping fields that change on every save and say nothing to a reader.
SKIPPED_FIELDS = {"id", "created_at", "updated_at", "last_login"}
# Fields whose values must never be shown, only that they changed.
SECRET_FIELDS = {"password"}
# Fields that only mean something to the machinery behind a model (e.g. a generic relation's raw id).
MACHINE_FIELDS = {
    "documents.rendereddocument": {"content_type", "object_id", "file", "attempts", "queued_at", "claimed_at"},
}
# Names of records (subjects) are short; field values may be longer.
MAX_SUBJECT_LENGTH = 80
DEFAULT_SUBJECT_FIELDS = ("title", "name", "reference", "metric", "key")
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
    subject: str = ""  # which record of its kind, in a merged timeline (e.g. "Alpha AI on Price")
    part: bool = False  # a related record's entry in a merged timeline (not the root's own)


def _tracked_fields(model: type[models.Model]) -> list[models.Field]:
    hidden = SKIPPED_FIELDS | MACHINE_FIELDS.get(model._meta.label_lower, set())
    return [f for f in model._meta.concrete_fields if f.name not in hidden]


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
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, (list, tuple, dict)):  # structured data (JSON): compact, without Python's quoting
        value = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    if isinstance(field_, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def _wanted(model: type[models.Model], records: list, wanted: dict) -> dict:
    """Add {related model: {pk, ...}} for every foreign key value in `records` to `wanted`."""
    for field_ in _tracked_fields(model):
        if field_.is_relation and field_.many_to_one:
            for record in records:
                value = getattr(record, field_.attname)
                if value is not None:
                    wanted[field_.related_model].add(value)
    return wanted


def _resolve_names(wanted: dict) -> dict:
    """{(related model, pk): str(object)}, one query per related model. select_related() follows every
    non-null foreign key, so str() of e.g. a bid (its vendor, its procedure) costs no further query."""
    names = {}
    for related, ids in wanted.items():
        for pk, obj in related._default_manager.select_related().in_bulk(list(ids)).items():
            names[(related, pk)] = str(obj)
    return names


def _related_names(model: type[models.Model], records: list) -> dict:
    return _resolve_names(_wanted(model, records, defaultdict(set)))


def _who(record) -> str:
    user = record.history_user
    return str(user) if user is not None else "system"


def _subject(model: type[models.Model], record, names: dict, subject_fields: tuple[str, ...]) -> str:
    wanted = subject_fields or next(((f,) for f in DEFAULT_SUBJECT_FIELDS if _has_field(model, f)), ())
    parts = []
    for name in wanted:
        if not _has_field(model, name):
            continue
        field_ = model._meta.get_field(name)
        value = getattr(record, field_.attname)
        if value in (None, ""):
            continue
        parts.append(_display(field_, value, names))
    text = " · ".join(parts)
    return text if len(text) <= MAX_SUBJECT_LENGTH else text[: MAX_SUBJECT_LENGTH - 1] + "…"


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def entries_for(model: type[models.Model], records: list, *, subject_fields: tuple[str, ...] | None = None,
                labels: dict[str, str] | None = None, names: dict | None = None) -> list[Entry]:
    """Entries (newest first) for the history `records` of objects of `model`, oldest first per object.

    `subject_fields` (None: no subject) names each record in a merged timeline; `labels` replace the verbose
    names of some fields; `names` are related names already resolved for these records."""
    names = names if names is not None else _related_names(model, records)
    labels = labels or {}
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
                    field=labels.get(field_.name) or str(field_.verbose_name).capitalize(),
                    old=_display(field_, old, names) if before is not None else "",
                    new=_display(field_, new, names),
                ))
        entries.append(Entry(
            when=record.history_date, who=_who(record), action=ACTIONS.get(record.history_type, "changed"),
            reason=record.history_change_reason or "", object_type=str(model._meta.verbose_name),
            object_id=object_id, history_id=record.history_id, changes=changes,
            subject=_subject(model, record, names, subject_fields) if subject_fields is not None else "",
            part=subject_fields is not None,
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


def _history_records(model: type[models.Model], **filters) -> models.QuerySet:
    history = getattr(model, model._meta.simple_history_manager_attribute).model
    return history.objects.filter(**filters).select_related("history_user").order_by("history_date", "history_id")


def _part_records(part, root: models.Model, user) -> list:
    """The history rows of one part of `root`'s merged timeline that `user` may read (one query)."""
    from procurement.audit.registry import resolve

    if part.gate and not resolve(part.gate)(user, root):
        return []
    model = apps.get_model(part.label)
    filters: dict[str, object] = {}
    if part.content_type_of:
        source = apps.get_model(part.content_type_of)
        filters["content_type_id"] = ContentType.objects.get_for_model(source).pk
        if source is type(root):
            filters[part.lookup] = root.pk
        else:  # documents of a source that belongs to the root, e.g. a memo's documents on its procedure
            link = next(f.name for f in source._meta.concrete_fields
                        if f.is_relation and f.related_model is type(root))
            filters[f"{part.lookup}__in"] = source._default_manager.filter(**{link: root.pk}).values("pk")
    else:
        filters[part.lookup] = root.pk
    if part.policy:
        filters[f"{part.policy_lookup}__in"] = resolve(part.policy).visible(user).values("pk")
    return list(_history_records(model, **filters))


def merged_timeline(root: models.Model, user, parts) -> list[Entry]:
    """The root's history and its parts' (those `user` may read), newest first.

    One query for the root, one per part, one per related model named in the rows."""
    model = type(root)
    groups = [(model, list(_history_records(model, **{model._meta.pk.attname: root.pk})), None, {})]
    for part in parts:
        try:
            records = _part_records(part, root, user)
        except FieldError:  # a part whose model changed shape: leave it out rather than fail the page
            continue
        groups.append((apps.get_model(part.label), records, part.subject, part.labels))
    wanted: dict = defaultdict(set)
    for part_model, records, _, _ in groups:
        _wanted(part_model, records, wanted)
    names = _resolve_names(wanted)
    entries: list[Entry] = []
    for part_model, records, subject_fields, labels in groups:
        entries.extend(entries_for(part_model, records, subject_fields=subject_fields, labels=labels, names=names))
    entries.sort(key=lambda entry: (entry.when, entry.history_id), reverse=True)
    return entries
