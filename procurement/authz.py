"""The one place that fetches-and-authorizes, and the only home of a permission rule.

Each app's policies.py defines an ObjectPolicy for its models and declares each action once, as an `Action`
made of `Condition`s. A condition holds three faces of one rule:

- `test(user, obj) -> bool`   — the row predicate (is it true for this object?);
- `scope(user) -> Q | None`   — the same rule as a filter (the objects for which it is true; None: none);
- `refusal`                   — the sentence a person reads when it is false.

From them every policy answers, for every action it knows:

- `can(user, action, obj)`        — may the user do it on this object now? (`allows` is the same question);
- `refusal(user, action, obj)`    — why not, as a sentence (None when allowed);
- `actionable(user, action)`      — the queryset of objects on which the user may do it now. Every inbox, home
  panel, count, calendar feed, notification list and search scope is built from it, never from a second query
  written by hand. Inactive users: nothing; auditors: only "view".

`can` and `actionable` agree for every object (tests/policies/test_actionable.py checks it on random worlds).
Views call `get_for_user_or_404`: a user who cannot see the object gets 404 (its existence is not revealed); one
who can see it but may not do `action` gets 403 carrying the policy's refusal sentence. Services call `require`
again, because tasks and commands bypass views.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from procurement.accounts.roles import Role, has_role
from procurement.exceptions import DomainError

Rule = Callable[[object, models.Model], bool]
Scope = Callable[[object], "models.Q | None"]
# What policies return from `related()` for "every object" (an empty Q() would vanish when OR-ed with grants).
EVERY_OBJECT = models.Q(pk__isnull=False)

INACTIVE = "Your account is not active."
AUDITORS_READ = "Auditors read every record and change nothing."
UNSEEN = "No such record."


def is_active_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


@dataclass(frozen=True)
class Condition:
    """One rule of an action, as a row predicate, as a queryset filter, and as the sentence a person reads.

    `scope(user)` returns the Q of the objects for which `test(user, obj)` holds (None: no object; EVERY_OBJECT:
    every object). A condition without a scope is answered row by row (slow; only for legacy `rules`).
    `refusal` may be a string or a callable `(user, obj) -> str`; None: the policy's generic sentence.
    """

    test: Rule
    scope: Scope | None
    refusal: str | Callable[[object, models.Model], str] | None = None
    # A rule about the object's state (its stage, status, what is left to do), not about who the person is:
    # refusing it is a conflict with the record's state (409, like a state machine), not a lack of authority.
    state: bool = False

    def sentence(self, user, obj) -> str | None:
        return self.refusal(user, obj) if callable(self.refusal) else self.refusal


@dataclass(frozen=True)
class Action:
    """An action declared once: all of its conditions must hold, checked (and refused) in order.

    `implies_view`: the conditions can only hold for an object the user can see (e.g. "a member of a committee
    on its route", when committee members see the memo), so `can` need not ask `visible()` again. The property
    test proves the claim: were it false, `can` and `actionable` would disagree.
    """

    conditions: tuple[Condition, ...]
    implies_view: bool = False

    def __init__(self, *conditions: Condition, implies_view: bool = False):
        object.__setattr__(self, "conditions", tuple(conditions))
        object.__setattr__(self, "implies_view", implies_view)

    def first_failure(self, user, obj) -> Condition | None:
        for condition in self.conditions:
            if not condition.test(user, obj):
                return condition
        return None

    def first_refusal(self, user, obj, default: str) -> str | None:
        failed = self.first_failure(user, obj)
        return None if failed is None else (failed.sentence(user, obj) or default)

    def scope(self, user) -> models.Q | None | type[NotImplemented]:
        """The AND of the conditions' scopes; None when no object qualifies; NotImplemented when some
        condition can only be tested row by row."""
        combined = EVERY_OBJECT
        for condition in self.conditions:
            if condition.scope is None:
                return NotImplemented
            q = condition.scope(user)
            if q is None:
                return None
            combined = combined & q
        return combined


def holds_role(*roles: str, refusal: str | None = None, superuser: bool = True) -> Condition:
    """A condition on the user only: they hold one of `roles` (or are a superuser, unless `superuser=False`)."""

    def test(user, obj=None) -> bool:
        return (superuser and user.is_superuser) or has_role(user, *roles)

    return Condition(test=test, scope=lambda user: EVERY_OBJECT if test(user) else None, refusal=refusal)


def when(test: Rule, scope: Scope, refusal=None, *, needs_object: bool = True, state: bool = False) -> Condition:
    """A condition; `test` receives (user, obj), and only an object unless `needs_object=False`. `state=True`: a
    rule about the object's state, refused with 409 rather than 403 (see Condition.state)."""
    if not needs_object:
        return Condition(test=lambda user, obj: bool(test(user, obj)), scope=scope, refusal=refusal, state=state)
    return Condition(test=lambda user, obj: obj is not None and bool(test(user, obj)), scope=scope,
                     refusal=refusal, state=state)


class ObjectPolicy:
    """Visibility and actions for one model.

    - `visible(user)`: the queryset of objects the user may see (inactive users see nothing; auditors and
      superusers see all; others see what `related(user)` returns plus objects granted through guardian,
      never through model-level grants).
    - `actions`: {name: Action}; `can`, `refusal`, `actionable` answer from it. Auditors only ever "view".
    - `rules`: the older form {name: predicate}, still accepted (answered row by row by `actionable`).
    """

    model: type[models.Model]
    view_codename: str | None = None  # guardian object permission that grants visibility
    actions: dict[str, Action] = {}
    rules: dict[str, Rule] = {}

    def base_queryset(self) -> models.QuerySet:
        return self.model._default_manager.all()

    def related(self, user) -> models.Q | None:
        """Q() of objects the user sees by their relation to them (owner, team member...).

        None: no relation-based visibility. An empty Q(): the user sees every object.
        """
        return None

    # --- visibility ------------------------------------------------------------------------------------------

    def sees_everything(self, user) -> bool:
        if not is_active_user(user):
            return False
        if user.is_superuser or has_role(user, Role.AUDITOR):
            return True
        condition = self.related(user)
        return condition is not None and (not condition or condition == EVERY_OBJECT)

    def visible(self, user) -> models.QuerySet:
        qs = self.base_queryset()
        if not is_active_user(user):
            return qs.none()
        if self.sees_everything(user):
            # Every object: no OR with the grants and no DISTINCT, so a sorted page reads only its own rows
            # (with DISTINCT the vendor list computed its annotations for all 5,000 vendors; docs/performance.md).
            return qs
        condition = self.related(user)
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
        if self.sees_everything(user):
            return obj.pk is not None
        return self.visible(user).filter(pk=obj.pk).exists()

    # --- actions ---------------------------------------------------------------------------------------------

    def action(self, name: str) -> Action | None:
        declared = self.actions.get(name)
        if declared is not None:
            return declared
        rule = self.rules.get(name)
        if rule is None:
            return None
        return Action(Condition(test=lambda user, obj, rule=rule: bool(rule(user, obj)), scope=None))

    def declared_actions(self) -> list[str]:
        """Every action this policy knows, "view" first."""
        return ["view", *dict.fromkeys([*self.actions, *self.rules])]

    def default_refusal(self, action: str) -> str:
        return f"You may not {action.replace('_', ' ')} this {self.model._meta.verbose_name}."

    def refusal(self, user, action: str, obj: models.Model | None = None, *, seen: bool = False) -> str | None:
        """Why `user` may not do `action` (on `obj`) now, as a sentence a person reads; None when allowed.

        `seen=True`: the caller already knows the user can see `obj` (it was fetched through `visible`)."""
        if not is_active_user(user):
            return INACTIVE
        if action == "view":
            return None if obj is None or self.can_see(user, obj) else UNSEEN
        if has_role(user, Role.AUDITOR) and not user.is_superuser:
            return AUDITORS_READ
        declared = self.action(action)
        if declared is None:
            return self.default_refusal(action)
        sentence = declared.first_refusal(user, obj, self.default_refusal(action))
        if (sentence is None and obj is not None and not (seen or declared.implies_view)
                and not self.can_see(user, obj)):
            return UNSEEN
        return sentence

    def can(self, user, action: str, obj: models.Model | None = None) -> bool:
        return self.refusal(user, action, obj) is None

    def allows(self, user, action: str, obj: models.Model | None = None) -> bool:
        """The older name of `can`."""
        return self.can(user, action, obj)

    def actionable(self, user, action: str) -> models.QuerySet:
        """The objects on which `user` may do `action` now (a subset of `visible(user)`)."""
        if action == "view" or not is_active_user(user):
            return self.visible(user)
        if has_role(user, Role.AUDITOR) and not user.is_superuser:
            return self.base_queryset().none()
        declared = self.action(action)
        if declared is None:
            return self.base_queryset().none()
        scope = declared.scope(user)
        if scope is None:
            return self.base_queryset().none()
        # When the conditions imply visibility, the visibility query (and guardian's) is left out.
        qs = self.base_queryset() if declared.implies_view and scope is not NotImplemented else self.visible(user)
        if scope is NotImplemented:  # a legacy rule: asked row by row
            allowed = [obj.pk for obj in qs if declared.first_refusal(user, obj, "") is None]
            return qs.filter(pk__in=allowed)
        if scope == EVERY_OBJECT:
            return qs
        # A sub-select keeps the rows distinct whatever the scope joins.
        return qs.filter(pk__in=self.model._default_manager.filter(scope).values("pk"))


def require(user, policy: ObjectPolicy, action: str, obj: models.Model | None = None) -> None:
    """Raise 404 when `obj` is unseen, 403 (with the policy's refusal sentence) when seen but not allowed."""
    if obj is not None and action != "view" and not policy.can_see(user, obj):
        raise Http404(UNSEEN)
    refusal = policy.refusal(user, action, obj, seen=obj is not None)
    if refusal is not None:
        if action == "view" or refusal == UNSEEN:
            raise Http404(UNSEEN)
        raise _refused(policy, user, action, obj, refusal)


def _refused(policy: ObjectPolicy, user, action: str, obj, sentence: str) -> Exception:
    """The exception for a refusal: 409 (DomainError) when the rule that failed is about the object's state,
    403 (PermissionDenied) when it is about who the person is."""
    declared = policy.action(action)
    failed = declared.first_failure(user, obj) if declared is not None and obj is not None else None
    if failed is not None and failed.state and sentence not in (INACTIVE, AUDITORS_READ):
        return DomainError(sentence)
    return PermissionDenied(sentence)


def get_for_user_or_404(user, policy: ObjectPolicy, *, action: str = "view", queryset=None, **lookup):
    """Fetch one object the user can see (else 404), then check `action` (else 403 with the refusal)."""
    qs = policy.visible(user) if queryset is None else queryset.filter(pk__in=policy.visible(user).values("pk"))
    try:
        obj = qs.get(**lookup)
    except (policy.model.DoesNotExist, ValueError, TypeError):
        raise Http404(UNSEEN) from None
    if action != "view":
        refusal = policy.refusal(user, action, obj, seen=True)
        if refusal is not None:
            raise _refused(policy, user, action, obj, refusal)
    return obj


def role_required(*roles: str) -> Callable:
    """A rule: the user holds one of `roles`."""

    def rule(user, obj=None) -> bool:
        return user.is_superuser or has_role(user, *roles)

    return rule
