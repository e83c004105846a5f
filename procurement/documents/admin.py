from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from procurement.documents.models import RenderedDocument


@admin.register(RenderedDocument)
class RenderedDocumentAdmin(SimpleHistoryAdmin):
    """Read-only: rows change only through the document services (request, render, sweep)."""

    list_display = ("kind", "content_type", "object_id", "version", "status", "attempts", "page_count", "size",
                    "requested_at", "rendered_at")
    list_filter = ("status", "kind")
    search_fields = ("sha256", "source_hash", "file_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
