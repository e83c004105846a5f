"""Writes on users. Deactivation replaces deletion everywhere."""

from django.db import transaction

from procurement.accounts.models import User
from procurement.audit.history import attribute


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None, reason: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    attribute(user, actor=actor, reason=reason or "Deactivated")
    user.save(update_fields=["is_active"])
    return user
