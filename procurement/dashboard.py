"""The role-aware home page ("my work"). Each app may contribute panels (`Contributions.panels`, a function
(user) -> list of panels) and its share of the number shown in the navigation (`Contributions.work_count`,
(user) -> int, constant queries)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from procurement.accounts.roles import ROLE_SUMMARIES, Role, has_role, roles_of
from procurement.contributions import collect, resolve
from procurement.models import WorkerHeartbeat


def app_panels(user) -> list[dict]:
    """Every app's home panels for `user` (`Contributions.panels`), in INSTALLED_APPS order."""
    panels: list[dict] = []
    for dotted in collect().all("panels"):
        panels.extend(resolve(dotted)(user))
    return panels


def work_count(user) -> int:
    """The number in "My work (n)": each app's `work_count(user)` (a constant number of queries each)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return 0
    return sum(resolve(dotted)(user) for dotted in collect().all("work_count"))


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
