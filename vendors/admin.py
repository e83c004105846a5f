from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from vendors.models import DueDiligencePlan, DueDiligenceRequirement


class RequirementInline(admin.TabularInline):
    model = DueDiligenceRequirement
    extra = 0


@admin.register(DueDiligencePlan)
class DueDiligencePlanAdmin(SimpleHistoryAdmin):
    """The due-diligence plan per tier is configuration: administrators edit it here."""

    list_display = ("tier", "references_required", "independent_references_required", "pov_required",
                    "attestation_refresh_months")
    inlines = [RequirementInline]
