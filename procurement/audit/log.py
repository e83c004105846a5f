"""The auditor's global log: every history row of every Baton model, filterable and exportable."""

import heapq
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import models
from django.utils import timezone

from procurement.audit.history import baton_models, is_tracked

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


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def tracked_types() -> list[tuple[str, str]]:
    """(label, verbose name) of every audit-trailed model, for the object-type filter."""
    return sorted(
        ((m._meta.label_lower, str(m._meta.verbose_name).capitalize()) for m in baton_models() if is_tracked(m)),
        key=lambda pair: pair[1],
    )


def _history_model(model: type[models.Model]):
    return getattr(model, model._meta.simple_history_manager_attribute).model


def log_rows(*, user_id: int | None = None, model_label: str = "", date_from: date | None = None,
             date_to: date | None = None, limit: int) -> list[LogRow]:
    """The newest `limit` rows matching the filters, newest first (one query per model type searched)."""
    models_ = [m for m in baton_models() if is_tracked(m)]
    if model_label:
        models_ = [m for m in models_ if m._meta.label_lower == model_label]
    streams = []
    for model in models_:
        qs = _history_model(model).objects.select_related("history_user").order_by("-history_date", "-history_id")
        if user_id:
            qs = qs.filter(history_user_id=user_id)
        if date_from:
            qs = qs.filter(history_date__gte=timezone.make_aware(datetime.combine(date_from, time.min)))
        if date_to:
            qs = qs.filter(history_date__lte=timezone.make_aware(datetime.combine(date_to, time.max)))
        rows = [
            LogRow(
                when=r.history_date, who=str(r.history_user) if r.history_user_id else "system",
                action=ACTIONS.get(r.history_type, "changed"), reason=r.history_change_reason or "",
                object_type=str(model._meta.verbose_name).capitalize(), model_label=model._meta.label_lower,
                object_id=getattr(r, model._meta.pk.attname), history_id=r.history_id,
            )
            for r in qs[:limit]
        ]
        streams.append(rows)
    merged = heapq.merge(*streams, key=lambda row: (row.when, row.history_id), reverse=True)
    return [row for _, row in zip(range(limit), merged, strict=False)]
