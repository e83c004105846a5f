"""The due-diligence plans are a policy table (issue 21): shown read-only here; a policy administrator changes them
on their policy page (vendors_policy:dd_plans), with a reason, each change a new version."""

from django.contrib import admin

from procurement.admin import PolicyTableAdmin
from vendors.models import DueDiligencePlan, DueDiligenceRequirement


class RequirementInline(admin.TabularInline):
    model = DueDiligenceRequirement
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DueDiligencePlan)
class DueDiligencePlanAdmin(PolicyTableAdmin):
    list_display = ("tier", "references_required", "independent_references_required", "pov_required",
                    "attestation_refresh_months")
    inlines = [RequirementInline]
    policy_url_name = "vendors_policy:dd_plans"


@admin.register(DueDiligenceRequirement)
class DueDiligenceRequirementAdmin(PolicyTableAdmin):
    list_display = ("plan", "evidence_kind", "independent_evidence_required")
    list_select_related = ("plan",)
    policy_url_name = "vendors_policy:dd_plans"
