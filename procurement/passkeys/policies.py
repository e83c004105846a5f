"""Who may see and act on a passkey: its owner only (auditors and superusers read every record, as everywhere).

Removing (revoking) one is its owner's act: someone who lost a device removes its passkey from another. Nobody
else, an administrator included, acts on another person's passkeys through Baton's pages.
"""

from __future__ import annotations

from django.db.models import Q

from procurement.authz import Action, ObjectPolicy, is_active_user, when
from procurement.passkeys.models import Passkey


def _owns(user, passkey) -> bool:
    return is_active_user(user) and passkey.user_id == user.pk


def _owned(user):
    return Q(user=user) if is_active_user(user) else None


def _not_revoked(user, passkey) -> bool:
    return passkey.revoked_at is None


class PasskeyPolicy(ObjectPolicy):
    model = Passkey
    actions = {
        "revoke": Action(
            when(_owns, _owned, "Only its owner may remove a passkey."),
            when(_not_revoked, lambda user: Q(revoked_at__isnull=True), "This passkey was already removed.",
                 state=True),
        ),
    }

    def related(self, user):
        return _owned(user)


passkey_policy = PasskeyPolicy()
