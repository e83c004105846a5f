"""The role-aware home page ("my work"). Each app may contribute panels through `<app>.dashboard.panels(user)`
and the number shown in the navigation through `<app>.dashboard.work_count(user)` (constant queries)."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from procurement.accounts.roles import ROLE_SUMMARIES, Role, has_role, roles_of
from procurement.models import WorkerHeartbeat

PANEL_APPS = ("vendors", "awards", "contracts")


def app_panels(user) -> list[dict]:
    panels: list[dict] = []
    for app in PANEL_APPS:
        try:
            module = import_module(f"{app}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.dashboard":
                raise
            continue
        panels.extend(module.panels(user))
    return panels


def _dashboard_modules():
    for app in PANEL_APPS:
        try:
            yield import_module(f"{app}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.dashboard":
                raise


def work_count(user) -> int:
    """The number in "My work (n)": each app's `work_count(user)` (a constant number of queries each)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return 0
    return sum(module.work_count(user) for module in _dashboard_modules() if hasattr(module, "work_count"))


def worker_status() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"state": "ok", "label": "documents render in the web process (embedded mode, no broker)"}
    latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if latest is None:
        return {"state": "unknown", "label": "No worker has reported yet"}
    fresh = timezone.now() - latest.seen_at < timedelta(minutes=3)
    return {"state": "ok" if fresh else "stale", "label": f"{latest} last seen", "seen_at": latest.seen_at}


def home_context(user) -> dict:
    held = roles_of(user)
    sees_operations = user.is_superuser or has_role(user, Role.AUDITOR, Role.PROCUREMENT_LEAD)
    return {
        "roles": [(role.label, ROLE_SUMMARIES[role]) for role in Role if role in held],
        "panels": app_panels(user),
        "worker": worker_status() if sees_operations else None,
    }
