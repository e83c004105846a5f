"""The due-diligence plans are a policy table (issue 21): shown read-only here; a policy administrator changes them
on their policy page (vendors_policy:dd_plans), with a reason, each change a new version."""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from vendors.models import DueDiligencePlan, DueDiligenceRequirement

POLICY_NOTE = ("Read-only: a policy table. A policy administrator changes it on its policy page (Policy in the "
               "navigation), with a reason; each change is a new version.")


class ReadOnlyPolicyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        messages.info(request, POLICY_NOTE)
        return super().changelist_view(request, extra_context)


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
class DueDiligencePlanAdmin(ReadOnlyPolicyAdmin):
    list_display = ("tier", "references_required", "independent_references_required", "pov_required",
                    "attestation_refresh_months")
    inlines = [RequirementInline]


@admin.register(DueDiligenceRequirement)
class DueDiligenceRequirementAdmin(ReadOnlyPolicyAdmin):
    list_display = ("plan", "evidence_kind", "independent_evidence_required")
    list_select_related = ("plan",)
