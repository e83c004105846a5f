from django.contrib import admin

from procurement.admin import ReadOnlyAdmin
from procurement.notifications.models import CalendarFeed, Notification, NotificationPreference


class _ReadOnly(ReadOnlyAdmin):
    """Rows change only through the notification services."""


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("subject", "recipient", "kind", "created_at", "read_at", "in_app", "email_status")
    list_filter = ("kind", "email_status", "in_app")
    search_fields = ("subject", "key", "recipient__username")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(_ReadOnly):
    list_display = ("user", "kind", "in_app", "email")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(_ReadOnly):
    list_display = ("user", "created_at", "revoked_at")
    exclude = ("token_hash",)
