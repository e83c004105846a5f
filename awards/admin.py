"""Read-only admin views of award procedures and their history. All changes go through the services (pages)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from awards.models import AwardProcedure, Bid, ConflictDeclaration


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
