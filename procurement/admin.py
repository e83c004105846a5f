from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from procurement.models import ExchangeRate, PolicyVersion, ReferenceSequence, WorkerHeartbeat


class ReadOnlyPermissions:
    """Shown in the admin, never added, changed or deleted there: the record is written by its service."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, SimpleHistoryAdmin):
    """A read-only admin for a model with history (its history page stays)."""


class PolicyTableAdmin(ReadOnlyAdmin):
    """A policy table (issue 21), read-only here: a policy administrator changes it on its policy page, with a
    reason, and each change is a new version (procurement.policy_tables). `policy_url_name` names that page."""

    policy_url_name = ""

    def changelist_view(self, request, extra_context=None):
        from django.contrib import messages
        from django.urls import reverse

        where = f" ({reverse(self.policy_url_name)})" if self.policy_url_name else ""
        messages.info(request, "Read-only: a policy table. A policy administrator changes it on its policy "
                               f"page{where}, with a reason; each change is a new version.")
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """Read-only: each worker writes its own row; the heartbeat keeps no history, so no history page either."""

    list_display = ("hostname", "pid", "seen_at")
    readonly_fields = ("hostname", "pid", "seen_at")


@admin.register(ReferenceSequence)
class ReferenceSequenceAdmin(SimpleHistoryAdmin):
    list_display = ("prefix", "year", "last_number")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    """Read-only: rates are recorded on the exchange-rates page (through its service, with a reason) and never
    changed or deleted afterwards; a correction is a new rate from a later day."""

    list_display = ("currency", "rate", "valid_from", "source", "recorded_by", "recorded_at")
    list_filter = ("currency",)
    readonly_fields = ("currency", "rate", "valid_from", "source", "note", "recorded_by", "recorded_at")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    """Read-only: a version is added by the table's service when a policy administrator changes the table on its
    policy page (procurement.policy_tables); versions are never changed or deleted."""

    list_display = ("table", "number", "changed_by", "changed_at", "reason")
    list_filter = ("table",)
    readonly_fields = ("table", "number", "snapshot", "sha256", "reason", "changed_by", "changed_at")
