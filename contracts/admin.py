"""The clause playbook is edited here; contract records are read-only (their writes go through the services)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contracts.models import (
    ChangeOrder,
    CheckIn,
    ClausePosition,
    Contract,
    ExitStep,
    Incident,
    Invoice,
    Kpi,
    KpiMeasurement,
    Milestone,
    PlaybookClause,
)
from procurement.admin import ReadOnlyAdmin


@admin.register(PlaybookClause)
class PlaybookClauseAdmin(SimpleHistoryAdmin):
    list_display = ("order", "title", "key", "required_tiers", "active")
    list_display_links = ("title",)
    list_editable = ("order", "active")
    search_fields = ("title", "key", "purpose")
    fieldsets = [(None, {"fields": ("key", "title", "purpose", "required_tiers", "order", "active")}),
                 ("Default positions", {"fields": ("target", "fallback", "walk_away")})]




@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "vendor", "status", "post_award_manager")
    list_filter = ("status",)
    search_fields = ("reference", "title", "vendor__legal_name")


@admin.register(ClausePosition)
class ClausePositionAdmin(ReadOnlyAdmin):
    list_display = ("title", "contract", "status", "beyond_walk_away")
    list_filter = ("status",)


# Post-award records are kept through the services; the admin only reads them.
admin.site.register([Milestone, Invoice, ChangeOrder, Kpi, KpiMeasurement, CheckIn, ExitStep, Incident],
                    ReadOnlyAdmin)
