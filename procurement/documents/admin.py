from django.contrib import admin

from procurement.admin import ReadOnlyAdmin
from procurement.documents.models import RenderedDocument


@admin.register(RenderedDocument)
class RenderedDocumentAdmin(ReadOnlyAdmin):
    """Read-only: rows change only through the document services (request, render, sweep)."""

    list_display = ("kind", "content_type", "object_id", "version", "status", "attempts", "page_count", "size",
                    "requested_at", "rendered_at")
    list_filter = ("status", "kind")
    search_fields = ("sha256", "source_hash", "file_name")
