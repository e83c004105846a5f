"""The auditor's global log: every history row of every Baton model, filterable and exportable.

The log reads the audit log index (procurement.audit.index: one entry per sealed history row, written with its
seal), so a page is one query whatever the number of audited tables, and pages are keyset-paginated on
(history_date, entry id): the tenth page costs what the first does."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone

from procurement.audit.history import baton_models, is_tracked
from procurement.audit.registry import auditable, merged

CSV_LIMIT = 50_000


@dataclass(frozen=True)
class LogRow:
    when: datetime
    who: str
    action: str
    reason: str
    object_type: str
    model_label: str
    object_id: object
    history_id: int
    name: str = ""  # the record's own title/name/reference as it read then (no extra query)
    link_label: str = ""  # the history page that shows this row: the record's own, or the merged one it is part of
    link_pk: object = None
    entry_id: int = 0  # the index entry (procurement.audit.models.AuditEntry): the page links' cursor


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def tracked_types() -> list[tuple[str, str]]:
    """(label, verbose name) of every audit-trailed model, for the object-type filter."""
    return sorted(
        ((m._meta.label_lower, str(m._meta.verbose_name).capitalize()) for m in baton_models() if is_tracked(m)),
        key=lambda pair: pair[1],
    )


NAME_FIELDS = ("reference", "title", "name", "trading_name", "legal_name", "username", "metric", "key")


def _name_field(model: type[models.Model]) -> str:
    for name in NAME_FIELDS:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.is_relation:
            return field.attname
    return ""


def _link(model: type[models.Model]) -> tuple[str, str]:
    """(label of the history page, attribute of a history row holding that page's pk), or ("", "")."""
    label = model._meta.label_lower
    if label in auditable():
        return label, model._meta.pk.attname
    for root, parts in merged().items():
        for part in parts:
            if part.label == label and "__" not in part.lookup and not part.content_type_of:
                return root, part.lookup
    return "", ""


# --- reading the log from the index ----------------------------------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COLUMNS = ("id", "history_date", "history_type", "reason", "model_label", "object_id", "history_id", "name",
           "link_label", "link_pk", "actor_id", "actor__first_name", "actor__last_name", "actor__username")


@dataclass(frozen=True)
class Cursor:
    """A position in the log (newest first): the entry's time and id, which break ties between equal times."""

    when: datetime
    entry_id: int

    def __str__(self) -> str:
        return f"{(self.when - EPOCH) // timedelta(microseconds=1)}-{self.entry_id}"

    @classmethod
    def parse(cls, text: str | None) -> "Cursor | None":
        """The cursor in a page link, or None for anything else (a hand-edited link opens the newest page)."""
        micros, _, entry_id = (text or "").partition("-")
        if not (micros.isdigit() and entry_id.isdigit()) or len(micros) > 18:
            return None
        return cls(EPOCH + timedelta(microseconds=int(micros)), int(entry_id))


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    newer: Cursor | None  # link to the page before this one (newer rows), if there is one
    older: Cursor | None  # link to the page after this one (older rows), if there is one


@cache
def _type_names() -> dict[str, str]:
    return {m._meta.label_lower: str(m._meta.verbose_name).capitalize() for m in apps.get_models()}


def entries(*, user_id: int | None = None, model_label: str = "", object_id: str = "",
            date_from: date | None = None, date_to: date | None = None):
    """The index entries matching the log's filters, newest first. Each filter has an index that starts with
    its column and ends with (history_date, id) (procurement.audit.models.AuditEntry)."""
    from procurement.audit.models import AuditEntry

    qs = AuditEntry.objects.all()
    if user_id:
        qs = qs.filter(actor_id=user_id)
    if model_label and object_id:
        qs = qs.filter(object_key=f"{model_label}:{object_id}")
    elif model_label:
        qs = qs.filter(model_label=model_label)
    if date_from:
        qs = qs.filter(history_date__gte=timezone.make_aware(datetime.combine(date_from, time.min)))
    if date_to:
        qs = qs.filter(history_date__lte=timezone.make_aware(datetime.combine(date_to, time.max)))
    return qs.order_by("-history_date", "-id")


def _row(values: tuple) -> LogRow:
    (entry_id, when, kind, reason, label, object_id, history_id, name, link_label, link_pk, actor_id, first, last,
     username) = values
    return LogRow(
        when=when, who=(f"{first} {last}".strip() or username or f"user #{actor_id}") if actor_id else "system",
        action=ACTIONS.get(kind, "changed"), reason=reason, object_type=_type_names().get(label, label),
        model_label=label, object_id=object_id, history_id=history_id, name=name, link_label=link_label,
        link_pk=link_pk, entry_id=entry_id,
    )


def log_page(*, size: int, older_than: Cursor | None = None, newer_than: Cursor | None = None,
             **filters) -> LogPage:
    """One page of the log, newest first, in ONE query (keyset pagination: the cost of a page does not grow
    with how far back it is). `older_than` gives the page after a cursor, `newer_than` the page before one."""
    qs = entries(**filters)
    if newer_than is not None:
        # Walk up from the cursor (oldest first), then turn the page round.
        newer = Q(history_date__gt=newer_than.when) | Q(history_date=newer_than.when, id__gt=newer_than.entry_id)
        found = list(qs.filter(newer, history_date__gte=newer_than.when).order_by("history_date", "id")
                     .values_list(*COLUMNS)[:size + 1])
        rows = [_row(values) for values in reversed(found[:size])]
        more_newer, more_older = len(found) > size, True
    else:
        if older_than is not None:
            # history_date <= cursor on its own too, so the database starts its index scan at the cursor.
            older = Q(history_date__lt=older_than.when) | Q(history_date=older_than.when, id__lt=older_than.entry_id)
            qs = qs.filter(older, history_date__lte=older_than.when)
        found = list(qs.values_list(*COLUMNS)[:size + 1])
        rows = [_row(values) for values in found[:size]]
        more_newer, more_older = older_than is not None, len(found) > size
    return LogPage(
        rows=rows,
        newer=Cursor(rows[0].when, rows[0].entry_id) if rows and more_newer else None,
        older=Cursor(rows[-1].when, rows[-1].entry_id) if rows and more_older else None,
    )


def log_rows(*, limit: int, **filters) -> Iterator[LogRow]:
    """The newest `limit` rows matching the filters, newest first, read in chunks (the CSV export)."""
    for values in entries(**filters).values_list(*COLUMNS)[:limit].iterator(chunk_size=2000):
        yield _row(values)
