from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from procurement.accounts.models import User
from procurement.accounts.services import user_deactivate


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "get_full_name", "email", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Baton", {"fields": ("job_title",)}))
    actions = ["deactivate_selected"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Deactivate selected users (they keep their history)")
    def deactivate_selected(self, request, queryset):
        count = 0
        for user in queryset:
            if user.is_active:
                user_deactivate(user=user, actor=request.user, reason="Deactivated from the admin")
                count += 1
        self.message_user(request, f"{count} user(s) deactivated.", messages.SUCCESS)
