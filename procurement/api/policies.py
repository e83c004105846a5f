"""Who sees and manages API tokens.

- Every active staff user creates tokens for themselves (bidder contacts never: the API is internal, and their
  tokens are refused by procurement.api.auth as well) and revokes their own (a token is a personal credential,
  like a password: even a superuser does not mint or revoke someone else's here; deactivating the person stops
  all of theirs at once).
- Auditors may hold read tokens (they read the audit trail through the API) but not write ones: they change
  nothing.
- A token is seen by its owner; auditors (kernel rule) see every token's metadata, never a secret.
"""

from django.db.models import Q

from procurement import authz
from procurement.accounts.roles import Role, has_role
from procurement.api.models import ApiToken
from procurement.authz import EVERY_OBJECT, Action, when

OWN_ONLY = "Only the person a token belongs to revokes it."
AUDITOR_WRITE = "Auditors change nothing, so their tokens are read-only."
NOT_ACTIVE = "This token is already revoked."
BIDDERS = "Bidder contacts use the bidders' portal; the API is for the organisation's own people."


class ApiTokenPolicy(authz.ObjectPolicy):
    model = ApiToken
    actions = {
        "create": Action(when(lambda user, obj: not getattr(user, "is_bidder", False),
                              lambda user: Q(pk__in=[]) if getattr(user, "is_bidder", False) else EVERY_OBJECT,
                              BIDDERS, needs_object=False)),
        "revoke": Action(
            when(lambda user, token: token.user_id == user.pk, lambda user: Q(user=user), OWN_ONLY),
            when(lambda user, token: token.revoked_at is None, lambda user: Q(revoked_at__isnull=True), NOT_ACTIVE,
                 state=True),
            implies_view=True),
    }

    def base_queryset(self):
        return ApiToken.objects.select_related("user")

    def related(self, user):
        return Q(user=user)

    # Tokens are the person's own settings, not a record of the procurement: auditors manage their own too
    # (the kernel otherwise answers auditors "view" only).
    def _personal(self, user, action: str) -> bool:
        return action in ("create", "revoke") and has_role(user, Role.AUDITOR) and not user.is_superuser

    def refusal(self, user, action, obj=None, *, seen=False):
        if authz.is_active_user(user) and self._personal(user, action):
            sentence = self.actions[action].first_refusal(user, obj, self.default_refusal(action))
            if sentence is None and obj is not None and not self.can_see(user, obj):
                return authz.UNSEEN
            return sentence
        return super().refusal(user, action, obj, seen=seen)

    def actionable(self, user, action):
        if authz.is_active_user(user) and self._personal(user, action):
            scope = self.actions[action].scope(user)
            return self.base_queryset().none() if scope is None else self.base_queryset().filter(scope)
        return super().actionable(user, action)


api_token_policy = ApiTokenPolicy()


def scopes_for(user) -> list[tuple[str, str]]:
    """The scopes `user` may give a new token."""
    if has_role(user, Role.AUDITOR) and not user.is_superuser:
        return [(ApiToken.Scope.READ.value, ApiToken.Scope.READ.label)]
    return list(ApiToken.Scope.choices)
