"""Writes of API tokens: create (the secret is returned once), revoke, and the throttled "last used" stamp."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from procurement import authz
from procurement.accounts.roles import Role, has_role
from procurement.api.models import MARK, ApiToken
from procurement.api.policies import AUDITOR_WRITE, api_token_policy
from procurement.audit.history import attribute
from procurement.services import model_save


def _expiry(expires_on) -> datetime:
    if not isinstance(expires_on, date) or isinstance(expires_on, datetime):
        raise ValidationError({"expires_on": "Give the date the token stops working."})
    today = timezone.localdate()
    longest = settings.BATON_API_TOKEN_MAX_DAYS
    if expires_on <= today:
        raise ValidationError({"expires_on": "The expiry date must be after today."})
    if expires_on > today + timedelta(days=longest):
        raise ValidationError({"expires_on": f"A token may live at most {longest} days; choose an earlier date."})
    return timezone.make_aware(datetime.combine(expires_on, time.min))


@transaction.atomic
def api_token_create(*, actor, name: str, scope: str, expires_on: date) -> tuple[ApiToken, str]:
    """Create a token for `actor`; returns (token, secret). Only the secret's sha256 is stored."""
    authz.require(actor, api_token_policy, "create")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Say what the token is for."})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": "Choose read or write."})
    if scope == ApiToken.Scope.WRITE and has_role(actor, Role.AUDITOR) and not actor.is_superuser:
        raise ValidationError({"scope": AUDITOR_WRITE})
    expires_at = _expiry(expires_on)
    prefix = secrets.token_hex(6)
    secret = f"{MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user=actor, name=name, scope=scope, prefix=prefix, digest=ApiToken.digest_of(secret),
                     created_at=timezone.now(), expires_at=expires_at)
    model_save(token, actor=actor, reason=f"API token “{name}” created ({scope})")
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, reason: str) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    authz.require(actor, api_token_policy, "revoke", token)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the token is revoked."})
    token.revoked_at = timezone.now()
    token.revoked_reason = reason
    model_save(token, actor=actor, reason=f"API token revoked: {reason}")
    return token


TOUCH_EVERY = timedelta(minutes=1)


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Stamp the token's last use, at most once a minute and off the history (a use is not a change)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    token.last_used_at = now
    token.skip_history_when_saving = True
    try:
        attribute(token, actor=token.user, reason="Used")
        token.save(update_fields=["last_used_at"])
    finally:
        del token.skip_history_when_saving
    return True
