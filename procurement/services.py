"""Kernel writes."""

import os
import socket
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from procurement.audit.history import attribute
from procurement.models import WorkerHeartbeat


@transaction.atomic
def worker_heartbeat_record(*, hostname: str | None = None, pid: int | None = None) -> WorkerHeartbeat:
    hostname = hostname or socket.gethostname()
    heartbeat = WorkerHeartbeat.objects.select_for_update().filter(hostname=hostname).first()
    if heartbeat is None:
        heartbeat = WorkerHeartbeat(hostname=hostname)
    heartbeat.pid = pid if pid is not None else os.getpid()
    heartbeat.seen_at = timezone.now()
    attribute(heartbeat, actor=None, reason="Worker heartbeat")
    heartbeat.save()
    return heartbeat


def model_save(instance: Model, *, actor, reason: str, **save_kwargs) -> Model:
    """Validate (`full_clean`, constraints included) and save one row with the actor and reason in its history:
    the last step of every service that writes a row."""
    instance.full_clean()
    attribute(instance, actor=actor, reason=reason)
    instance.save(**save_kwargs)
    return instance


def model_delete(instance: Model, *, actor, reason: str) -> None:
    """Delete one row, its last history row carrying the actor and the reason."""
    attribute(instance, actor=actor, reason=reason)
    instance.delete()


def model_update(*, instance: Model, fields: Mapping[str, Any], allowed: Iterable[str], actor, reason: str,
                 check: Callable[[Model], None] | None = None, also: Iterable[str] = ()) -> Model:
    """Set `fields` on `instance`, validate, and save just those columns with the actor and reason in history.

    The field part of every `<entity>_update` service: only names in `allowed` may change (anything else is a
    programming error, ValueError); `check(instance)` runs after the values are set and before `full_clean`,
    for the rules a model cannot state itself; `also` names columns the service changed itself before the call
    (a status moved back to draft, a revision counter). Columns changed by the check or by the model's clean()
    (a currency upper-cased) and auto-updated timestamps are saved too. The caller owns the transaction
    and has already locked the row and checked the policy.
    """
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"{type(instance).__name__} update cannot change: {', '.join(sorted(unknown))}")
    concrete = [f for f in instance._meta.concrete_fields if not f.primary_key]
    before = {f.name: getattr(instance, f.attname) for f in concrete}
    for name, value in fields.items():
        setattr(instance, name, value)
    if check is not None:
        check(instance)
    instance.full_clean()
    # Columns the model's own clean() (or the check) normalised are saved with the rest.
    touched = [f.name for f in concrete if getattr(instance, f.attname) != before[f.name]]
    stamped = [f.name for f in concrete if getattr(f, "auto_now", False)]
    columns = list(dict.fromkeys([*fields, *also, *touched, *stamped]))
    attribute(instance, actor=actor, reason=reason)
    instance.save(update_fields=columns or None)
    return instance
