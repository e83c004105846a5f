"""The one place that fetches-and-authorizes.

Each app's permissions.py defines an ObjectPolicy for its models. Views call `get_for_user_or_404`:
a user who cannot see the object gets 404 (its existence is not revealed); one who can see it but may not
do `action` gets 403. Services call `require` again, because tasks and commands bypass views.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from procurement.accounts.roles import Role, has_role

Rule = Callable[[object, models.Model], bool]
# What policies return from `related()` for "every object" (an empty Q() would vanish when OR-ed with grants).
EVERY_OBJECT = models.Q(pk__isnull=False)


def is_active_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


class ObjectPolicy:
    """Visibility and actions for one model.

    - `visible(user)`: the queryset of objects the user may see (inactive users see nothing; auditors and
      superusers see all; others see what `related(user)` returns plus objects granted through guardian,
      never through model-level grants).
    - `allows(user, action, obj)`: `rules[action]`; auditors only ever "view".
    """

    model: type[models.Model]
    view_codename: str | None = None  # guardian object permission that grants visibility
    rules: dict[str, Rule] = {}

    def base_queryset(self) -> models.QuerySet:
        return self.model._default_manager.all()

    def related(self, user) -> models.Q | None:
        """Q() of objects the user sees by their relation to them (owner, team member...).

        None: no relation-based visibility. An empty Q(): the user sees every object.
        """
        return None

    def visible(self, user) -> models.QuerySet:
        qs = self.base_queryset()
        if not is_active_user(user):
            return qs.none()
        if user.is_superuser or has_role(user, Role.AUDITOR):
            return qs
        condition = self.related(user)
        if condition is not None and (not condition or condition == EVERY_OBJECT):
            # Every object: no OR with the grants and no DISTINCT, so a sorted page reads only its own rows
            # (with DISTINCT the vendor list computed its annotations for all 5,000 vendors; docs/performance.md).
            return qs  # an empty Q() means "every object" too (Q() | X would silently drop it)
        granted = None
        if self.view_codename:
            granted = get_objects_for_user(
                user,
                f"{self.model._meta.app_label}.{self.view_codename}",
                klass=self.model,
                accept_global_perms=False,
                with_superuser=False,
            ).values("pk")
        if condition is None and granted is None:
            return qs.none()
        if condition is None:
            return qs.filter(pk__in=granted)
        if granted is None:
            return qs.filter(condition).distinct()
        return qs.filter(condition | models.Q(pk__in=granted)).distinct()

    def can_see(self, user, obj: models.Model) -> bool:
        return self.visible(user).filter(pk=obj.pk).exists()

    def allows(self, user, action: str, obj: models.Model | None = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "view":
            return obj is None or self.can_see(user, obj)
        if has_role(user, Role.AUDITOR) and not user.is_superuser:
            return False
        rule = self.rules.get(action)
        if rule is None:
            return False
        return bool(rule(user, obj))


def require(user, policy: ObjectPolicy, action: str, obj: models.Model | None = None) -> None:
    """Raise 404 when `obj` is unseen, 403 when seen but `action` is not allowed."""
    if obj is not None and action != "view" and not policy.can_see(user, obj):
        raise Http404("No such record.")
    if not policy.allows(user, action, obj):
        if action == "view":
            raise Http404("No such record.")
        raise PermissionDenied(f"You may not {action.replace('_', ' ')} this {policy.model._meta.verbose_name}.")


def get_for_user_or_404(user, policy: ObjectPolicy, *, action: str = "view", queryset=None, **lookup):
    """Fetch one object the user can see (else 404), then check `action` (else 403)."""
    qs = policy.visible(user) if queryset is None else queryset.filter(pk__in=policy.visible(user).values("pk"))
    try:
        obj = qs.get(**lookup)
    except (policy.model.DoesNotExist, ValueError, TypeError):
        raise Http404("No such record.") from None
    if action != "view" and not policy.allows(user, action, obj):
        raise PermissionDenied(f"You may not {action.replace('_', ' ')} this {policy.model._meta.verbose_name}.")
    return obj


def role_required(*roles: str) -> Callable:
    """A rule: the user holds one of `roles`."""

    def rule(user, obj=None) -> bool:
        return user.is_superuser or has_role(user, *roles)

    return rule
