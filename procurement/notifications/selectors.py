"""Reads for notifications: always the signed-in person's own rows."""

from django.db.models import QuerySet

from procurement.authz import is_active_user
from procurement.notifications.kinds import kind_choices, kind_values
from procurement.notifications.models import Notification, NotificationPreference


def inbox(user, *, unread_only: bool = False, kind: str = "") -> QuerySet[Notification]:
    if not is_active_user(user):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user, in_app=True)
    if unread_only:
        qs = qs.filter(read_at=None)
    if kind in kind_values():
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-pk")


def unread_count(user) -> int:
    if not is_active_user(user):
        return 0
    return Notification.objects.filter(recipient=user, in_app=True, read_at=None).count()


def preference_table(user) -> list[dict]:
    """One row per kind with the person's current channels (defaults where they have no row)."""
    saved = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    rows = []
    for value, label in kind_choices():
        pref = saved.get(value)
        rows.append({"kind": value, "label": label,
                     "in_app": pref.in_app if pref else True, "email": pref.email if pref else True})
    return rows
