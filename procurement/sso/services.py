"""Writes of single sign-on: find or create the person behind a verified sign-in, keep their profile and their
provider-managed roles in step with the claims, and deactivate them when the provider says so.

Who may do this: the identity provider, whose ID token procurement.sso.backends has verified (signature against
the published keys, issuer, audience, expiry, nonce) before anything here runs. There is no Baton role to check;
the policy re-checked here is the provider's own word (`provider_refusal`) and Baton's (an inactive user stays
out whatever the provider says). `actor` is who acts for the provider: None, the system. The roles and the
profile a person's own sign-in changes are recorded as their own changes; creation and deactivation as the
system's, each with its reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from procurement.accounts.models import User
from procurement.accounts.roles import Role
from procurement.accounts.services import user_deactivate
from procurement.audit.history import attribute
from procurement.sso import rolemap
from procurement.sso.models import ExternalIdentity

CONTACT_ADMIN = "Ask a Baton administrator if you think this is wrong."


class SignInRefused(Exception):
    """A sign-in the provider vouched for but Baton refuses; the message is for the person."""


@dataclass(frozen=True)
class Config:
    """The parts of the settings a sign-in reads (procurement.conf.sso)."""

    role_map: tuple[tuple[str, str], ...]
    groups_claim: str
    access_group: str
    status_claim: str
    provider_name: str

    @classmethod
    def from_settings(cls) -> Config:
        return cls(role_map=role_table(settings.BATON_SSO_ROLE_MAP), groups_claim=settings.BATON_SSO_GROUPS_CLAIM,
                   access_group=settings.BATON_SSO_ACCESS_GROUP, status_claim=settings.BATON_SSO_STATUS_CLAIM,
                   provider_name=settings.BATON_SSO_PROVIDER_NAME)


def known_roles() -> dict[str, str]:
    """Lower-cased role values and labels -> the role's value (the Group's name)."""
    known = {}
    for role in Role:
        known[role.value.casefold()] = role.value
        known[str(role.label).casefold()] = role.value
    return known


def role_table(table) -> tuple[tuple[str, str], ...]:
    """The configured table with Baton's spelling of each role (sso.E001 has refused unknown ones already)."""
    return rolemap.canonical_roles(table, known_roles())


def sso_sign_in(*, actor: User | None, issuer: str, claims: Mapping, config: Config | None = None) -> User:
    """The Baton user for a verified sign-in, created on the first one; raises SignInRefused with the reason.

    A refusal the provider asked for deactivates the linked user first, and that is kept (committed) even though
    the sign-in fails.
    """
    config = config or Config.from_settings()
    user, refusal = _sign_in(actor=actor, issuer=issuer, claims=claims, config=config)
    if refusal:
        raise SignInRefused(refusal)
    return user


@transaction.atomic
def _sign_in(*, actor, issuer: str, claims: Mapping, config: Config) -> tuple[User | None, str]:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 255 or not issuer:
        return None, "The identity provider did not say who you are (no usable subject). " + CONTACT_ADMIN
    identity = (ExternalIdentity.objects.select_for_update().select_related("user")
                .filter(issuer=issuer, subject=subject).first())
    said_no = rolemap.provider_refusal(claims, groups_claim=config.groups_claim, access_group=config.access_group,
                                       status_claim=config.status_claim)
    if identity is None:
        if said_no:
            return None, f"You cannot use Baton: {said_no}. " + CONTACT_ADMIN
        user, identity = _create(actor=actor, issuer=issuer, subject=subject, claims=claims, config=config)
    else:
        user = User.objects.select_for_update().get(pk=identity.user_id)
        identity.user = user
        if said_no:
            if user.is_active:
                user_deactivate(user=user, actor=actor, reason=f"Deactivated at sign-in: {said_no}")
            return None, f"You cannot use Baton: {said_no}. Your Baton account is now deactivated. " + CONTACT_ADMIN
        if not user.is_active:
            return None, "Your Baton account is deactivated, so single sign-on cannot sign you in. " + CONTACT_ADMIN
        _update_profile(user=user, claims=claims)
    sso_roles_sync(actor=user, identity=identity, roles=rolemap.roles_from_claims(
        claims, config.role_map, config.groups_claim), config=config)
    return user, ""


def _profile(claims: Mapping) -> dict[str, str]:
    """The profile fields the claims give, each valid for its column (others left out)."""
    found = {}
    email = claims.get("email")
    if isinstance(email, str) and email.strip():
        try:
            validate_email(email.strip())
        except ValidationError:
            pass
        else:
            if len(email.strip()) <= User._meta.get_field("email").max_length:
                found["email"] = email.strip()
    for field, claim in (("first_name", "given_name"), ("last_name", "family_name")):
        value = claims.get(claim)
        if isinstance(value, str):
            found[field] = value.strip()[: User._meta.get_field(field).max_length]
    return found


def _username(claims: Mapping, issuer: str, subject: str) -> str:
    """A free username from preferred_username (or the e-mail's local part), made unique with a hash of the
    identity when taken: a person never lands in someone else's account because their names match."""
    wanted = claims.get("preferred_username") or str(claims.get("email") or "").split("@")[0] or "sso-user"
    base = re.sub(r"[^\w.@+-]", "-", str(wanted)).strip("-")[:120] or "sso-user"
    if not User.objects.filter(username__iexact=base).exists():
        return base
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()
    for length in (8, 16, 32, 64):
        candidate = f"{base}-{digest[:length]}"
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    raise SignInRefused("No free username could be made for you. " + CONTACT_ADMIN)


def _create(*, actor, issuer: str, subject: str, claims: Mapping, config: Config) -> tuple[User, ExternalIdentity]:
    user = User(username=_username(claims, issuer, subject), **_profile(claims))
    user.set_unusable_password()  # SSO users have no Baton password (the passkey step-up relies on it)
    attribute(user, actor=actor, reason=f"Created at first sign-in through {config.provider_name}")
    user.full_clean()
    user.save()
    identity = ExternalIdentity(user=user, issuer=issuer, subject=subject)
    attribute(identity, actor=actor, reason="Linked at first sign-in")
    identity.full_clean()
    identity.save()
    return user, identity


def _update_profile(*, user: User, claims: Mapping) -> None:
    changed = [field for field, value in _profile(claims).items() if getattr(user, field) != value]
    if not changed:
        return
    for field in changed:
        setattr(user, field, _profile(claims)[field])
    attribute(user, actor=user, reason="Profile from the identity provider: " + ", ".join(changed))
    try:
        user.full_clean()
    except ValidationError:
        user.refresh_from_db()  # a value the provider sent that Baton cannot hold: keep what we have
        return
    user.save(update_fields=changed)


@transaction.atomic
def sso_roles_sync(*, actor: User | None, identity: ExternalIdentity, roles: frozenset[str],
                   config: Config | None = None) -> str:
    """Grant the roles the claims give, take back those single sign-on granted that they no longer give; a role
    held by hand is neither taken back nor marked as managed. Returns the change ("+Evaluator -Auditor", or "").

    One history row on the user (its groups) and one on the identity (its managed roles), with the change as
    the reason.
    """
    config = config or Config.from_settings()
    identity = ExternalIdentity.objects.select_for_update().select_related("user").get(pk=identity.pk)
    user = identity.user
    may_manage = rolemap.managed_roles(config.role_map)
    wanted = frozenset(roles) & may_manage
    held = set(user.groups.values_list("name", flat=True))
    managed = set(identity.managed_roles.values_list("name", flat=True))
    add = wanted - held
    remove = (managed - wanted) & held
    unmark = managed - wanted
    mark = add
    if not (add or remove or unmark or mark - managed):
        return ""
    change = rolemap.describe_change(add, remove)
    groups = {group.name: group for group in Group.objects.filter(name__in=add | remove | unmark | mark)}
    missing = (add | mark) - set(groups)
    if missing:  # the roles' data migration always made them; a flushed test database may not have
        for name in missing:
            groups[name] = Group.objects.create(name=name)
    if add or remove:
        user.skip_history_when_saving = True  # one history row for the whole change, written by the save below
        try:
            user.groups.add(*(groups[name] for name in add))
            user.groups.remove(*(groups[name] for name in remove))
        finally:
            del user.skip_history_when_saving
        attribute(user, actor=actor, reason=f"Roles from the identity provider: {change}")
        user.save()
        user.__dict__.pop("_baton_roles", None)
    if not (mark - managed or unmark):
        return change
    identity.skip_history_when_saving = True
    try:
        identity.managed_roles.add(*(groups[name] for name in mark))
        identity.managed_roles.remove(*(groups[name] for name in unmark))
    finally:
        del identity.skip_history_when_saving
    attribute(identity, actor=actor, reason=f"Managed roles: {rolemap.describe_change(mark - managed, unmark)}")
    identity.save()
    return change
