"""The auditor's global log: every history row of every Baton model, filterable and exportable."""

import heapq
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import FieldDoesNotExist
from django.db import models
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


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def tracked_types() -> list[tuple[str, str]]:
    """(label, verbose name) of every audit-trailed model, for the object-type filter."""
    return sorted(
        ((m._meta.label_lower, str(m._meta.verbose_name).capitalize()) for m in baton_models() if is_tracked(m)),
        key=lambda pair: pair[1],
    )


def _history_model(model: type[models.Model]):
    return getattr(model, model._meta.simple_history_manager_attribute).model


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


def log_rows(*, user_id: int | None = None, model_label: str = "", date_from: date | None = None,
             date_to: date | None = None, limit: int) -> list[LogRow]:
    """The newest `limit` rows matching the filters, newest first (one query per model type searched)."""
    models_ = [m for m in baton_models() if is_tracked(m)]
    if model_label:
        models_ = [m for m in models_ if m._meta.label_lower == model_label]
    streams = []
    for model in models_:
        qs = _history_model(model).objects.order_by("-history_date", "-history_id")
        if user_id:
            qs = qs.filter(history_user_id=user_id)
        if date_from:
            qs = qs.filter(history_date__gte=timezone.make_aware(datetime.combine(date_from, time.min)))
        if date_to:
            qs = qs.filter(history_date__lte=timezone.make_aware(datetime.combine(date_to, time.max)))
        # Plain values, not history instances: the page reads 8 columns of up to `limit` rows per audited table,
        # and building full model instances of every one was most of its time at scale (docs/performance.md).
        # Plus the record's own name (title, reference...) and the pk of the history page that shows it (its own,
        # or the merged page of the procedure/memo/contract it belongs to), both plain columns of the same row.
        name_field = _name_field(model)
        link_label, link_attr = _link(model)
        columns = ("history_date", "history_type", "history_change_reason", "history_id", model._meta.pk.attname,
                   "history_user_id", "history_user__first_name", "history_user__last_name",
                   "history_user__username", name_field or "history_id", link_attr or "history_id")
        object_type, label = str(model._meta.verbose_name).capitalize(), model._meta.label_lower
        rows = [
            LogRow(
                when=when, who=(f"{first} {last}".strip() or username) if user_id_ else "system",
                action=ACTIONS.get(kind, "changed"), reason=reason or "", object_type=object_type,
                model_label=label, object_id=object_id, history_id=history_id,
                name=str(name or "")[:80] if name_field else "", link_label=link_label,
                link_pk=link_pk if link_attr else None,
            )
            for when, kind, reason, history_id, object_id, user_id_, first, last, username, name, link_pk
            in qs.values_list(*columns)[:limit]
        ]
        streams.append(rows)
    merged = heapq.merge(*streams, key=lambda row: (row.when, row.history_id), reverse=True)
    return [row for _, row in zip(range(limit), merged, strict=False)]
