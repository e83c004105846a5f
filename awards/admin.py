"""Read-only admin views of award procedures and their history. All changes go through the services (pages)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from awards.models import (
    ApprovalRoute,
    ApprovalRule,
    AwardProcedure,
    Bid,
    Committee,
    ConflictDeclaration,
    DecisionMemo,
    SignOff,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AwardProcedure)
class AwardProcedureAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "stage", "lead", "business_owner", "category")
    list_filter = ("stage", "category")
    search_fields = ("reference", "title")
    list_select_related = ("lead", "business_owner")


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ("procedure", "vendor", "status", "late_decision")
    list_filter = ("status",)
    list_select_related = ("procedure", "vendor")


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "bid", "has_conflict", "review")
    list_filter = ("review",)
    list_select_related = ("assignment__evaluator", "assignment__procedure", "bid__vendor", "bid__procedure")


# --- approval matrix, memos and sign-offs -------------------------------------------------------------
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


@admin.register(DecisionMemo)
class DecisionMemoAdmin(ReadOnlyAdmin):
    list_display = ("procedure", "title", "status", "version", "approved_at")
    list_filter = ("status",)
    list_select_related = ("procedure",)


@admin.register(ApprovalRoute)
class ApprovalRouteAdmin(ReadOnlyAdmin):
    list_display = ("memo", "version", "rule_name", "status", "closed_at")
    list_filter = ("status",)


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ("route", "step", "signer", "decision", "signed_at", "content_hash")
    list_filter = ("decision",)
