"""Read-only admin views of award procedures and their history. All changes go through the services (pages)."""

from django.contrib import admin

from awards.models import (
    ApprovalRoute,
    ApprovalRule,
    AwardProcedure,
    Bid,
    Committee,
    ConflictDeclaration,
    DecisionMemo,
    ScorecardTemplate,
    SignOff,
)
from procurement.admin import PolicyTableAdmin, ReadOnlyAdmin


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
class CommitteeAdmin(PolicyTableAdmin):
    list_display = ("name", "key", "quorum")
    search_fields = ("name", "key")
    policy_url_name = "awards_policy:committees"


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(PolicyTableAdmin):
    list_display = ("position", "name", "currency", "min_value", "max_value", "tiers", "active")
    list_display_links = ("name",)
    list_filter = ("active",)
    policy_url_name = "awards_policy:approval_matrix"


@admin.register(ScorecardTemplate)
class ScorecardTemplateAdmin(PolicyTableAdmin):
    """Versioned templates change on the templates page (awards:template_list), each version with its reason."""

    list_display = ("__str__", "version", "active")
    policy_url_name = "awards:template_list"


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
