"""External identities in the admin: read-only (single sign-on writes them, through procurement.sso.services)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from procurement.sso.models import ExternalIdentity


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(SimpleHistoryAdmin):
    list_display = ("user", "issuer", "subject", "created_at")
    list_filter = ("issuer",)
    search_fields = ("user__username", "subject")
    readonly_fields = ("user", "issuer", "subject", "managed_roles", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
