"""Helpers that let services and tasks say who changed a record and why.

The request middleware covers views; services and Celery tasks run outside a request (or on behalf of a
different person), so they set the actor and the reason explicitly on the instance before saving.
"""

from django.apps import apps
from django.db import models


def attribute(instance: models.Model, *, actor, reason: str) -> models.Model:
    """Mark the next save of `instance` as done by `actor` for `reason` (both land in the history row)."""
    if not reason or not reason.strip():
        raise ValueError("Every audit-trailed change carries a reason.")
    instance._history_user = actor
    instance._change_reason = reason.strip()[:100]
    return instance


def save_with_history(instance: models.Model, *, actor, reason: str, **save_kwargs) -> models.Model:
    attribute(instance, actor=actor, reason=reason)
    instance.full_clean()
    instance.save(**save_kwargs)
    return instance


BATON_APP_LABELS = ("procurement", "accounts", "audit", "documents", "sso", "passkeys", "api", "webhooks",
                    "vendors", "awards", "contracts")


def is_tracked(model: type[models.Model]) -> bool:
    """True when django-simple-history keeps a history table for `model`."""
    return hasattr(model._meta, "simple_history_manager_attribute")


def is_history_table(model: type[models.Model]) -> bool:
    return hasattr(model, "instance_type") and model.__name__.startswith("Historical")


def baton_models() -> list[type[models.Model]]:
    """Every concrete, non-historical model that Baton itself defines."""
    found = []
    for config in apps.get_app_configs():
        if config.label not in BATON_APP_LABELS:
            continue
        for model in config.get_models():
            if is_history_table(model) or model._meta.auto_created or getattr(model, "audit_trail_kernel", False):
                continue  # the audit chain's own tables (procurement.audit.models) are the trail, not a subject
            if getattr(model, "audit_exempt_reason", ""):
                continue  # a model that says why it keeps no history (e.g. procurement.models.WorkerHeartbeat)
            found.append(model)
    return found
