"""Admin for the approval policy (committees and the matrix: editable) and read-only memo records.

Registered from awards.memo_checks, which AwardsConfig.ready() imports. Approved memos refuse every change here
too (the model and queryset refuse as well)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from awards.models import ApprovalRoute, ApprovalRule, Committee, DecisionMemo, SignOff


@admin.register(Committee)
class CommitteeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "key", "quorum")
    filter_horizontal = ("members",)
    search_fields = ("name", "key")


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(SimpleHistoryAdmin):
    list_display = ("position", "name", "min_value", "max_value", "tiers", "active")
    list_display_links = ("name",)
    list_filter = ("active",)
    filter_horizontal = ("committees",)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.routes.exists()  # routes keep pointing at the rule that applied


class _ReadOnly(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DecisionMemo)
class DecisionMemoAdmin(_ReadOnly):
    list_display = ("procedure", "title", "status", "version", "approved_at")
    list_filter = ("status",)
    list_select_related = ("procedure",)


@admin.register(ApprovalRoute)
class ApprovalRouteAdmin(_ReadOnly):
    list_display = ("memo", "version", "rule_name", "status", "closed_at")
    list_filter = ("status",)


@admin.register(SignOff)
class SignOffAdmin(_ReadOnly):
    list_display = ("route", "step", "signer", "decision", "signed_at", "content_hash")
    list_filter = ("decision",)
