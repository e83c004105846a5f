"""Contract records and the clause playbook are read-only here: records are written by the services, the playbook
by a policy administrator on its policy page (issue 21)."""

from django.contrib import admin

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
from procurement.admin import PolicyTableAdmin, ReadOnlyAdmin


@admin.register(PlaybookClause)
class PlaybookClauseAdmin(PolicyTableAdmin):
    """Read-only (issue 21): the playbook is a policy table, changed by a policy administrator on its page
    (contracts_policy:clause_playbook), with a reason and a new policy version each time."""

    list_display = ("order", "title", "key", "required_tiers", "active")
    list_display_links = ("title",)
    search_fields = ("title", "key", "purpose")
    fieldsets = [(None, {"fields": ("key", "title", "purpose", "required_tiers", "order", "active"),
                         "description": "Read-only here: a policy administrator changes the clause playbook on "
                                        "its policy page (Policy › Clause playbook), with a reason; each change "
                                        "is a new version and applies to contracts opened after it."}),
                 ("Default positions", {"fields": ("target", "fallback", "walk_away")})]

    policy_url_name = "contracts_policy:clause_playbook"


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
