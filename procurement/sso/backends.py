"""The authentication backends of single sign-on.

Why mozilla-django-oidc rather than django-allauth: it is only an authentication backend and two views. It runs
the authorization-code flow (with PKCE), keeps the state and nonce in the session and checks them on the way
back, and verifies the ID token's signature against the provider's published keys (RS256 through the JWKS
endpoint); and it leaves the decisions that are Baton's to a few methods we override: how a person is found
(`filter_users_by_claims`), created (`create_user`), kept up to date (`update_user`) and which claims are
required (`verify_claims`). django-allauth would bring its own account and e-mail address models, sign-up and
e-mail confirmation flows and templates, none of which Baton wants next to its own users and roles.

What this module adds to the library:
- the ID token must also name our issuer (OIDC_OP_ISSUER) and our client as its audience, and carry a subject
  and an expiry; the library checks the signature, the algorithm and (through PyJWT) the expiry, and we turn
  every token error into one refusal instead of an exception that would reach the person as a server error;
- the userinfo answer must be about the same subject as the ID token;
- people are matched on (issuer, subject) (procurement.sso.models.ExternalIdentity), never on e-mail, and
  every write goes through procurement.sso.services; a refusal's sentence is left on the request for the
  callback view to show.
"""

from __future__ import annotations

import logging

import jwt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from procurement.accounts.models import User
from procurement.sso import services
from procurement.sso.models import ExternalIdentity

logger = logging.getLogger(__name__)
REFUSAL_ATTRIBUTE = "baton_sso_refusal"


def refuse(request, message: str) -> None:
    """Leave the sentence the person will read on the request (procurement.sso.views shows it)."""
    if request is not None:
        setattr(request, REFUSAL_ATTRIBUTE, message)


class BatonOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with Baton's matching, checks and services."""

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; a password form (the admin's included) never reaches the
        # provider, even with ?code=&state= in its address.
        if request is None or "nonce" not in kwargs or not getattr(settings, "BATON_SSO_ENABLED", False):
            return None
        return super().authenticate(request, **kwargs)

    # --- the ID token ------------------------------------------------------------------------------------------
    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("The ID token is not signed with the agreed algorithm.")
        try:
            return jwt.decode(payload, key, algorithms=[self.OIDC_RP_SIGN_ALGO], audience=self.OIDC_RP_CLIENT_ID,
                              issuer=settings.OIDC_OP_ISSUER, leeway=30,
                              options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError as exc:
            raise SuspiciousOperation("The ID token has expired.") from exc
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"The ID token was refused: {exc}") from exc

    def verify_token(self, token, **kwargs):
        try:
            return super().verify_token(token, **kwargs)
        except (jwt.InvalidTokenError, KeyError, ValueError) as exc:  # a malformed token or key set
            raise SuspiciousOperation(f"The ID token could not be read: {exc}") from exc

    # --- the claims --------------------------------------------------------------------------------------------
    def get_userinfo(self, access_token, id_token, payload):
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about someone else than the ID token.")
        # The ID token's claims (signed) with the userinfo's on top, but never another subject or issuer.
        return {**userinfo, "sub": payload["sub"], "iss": payload["iss"]}

    def verify_claims(self, claims):
        return isinstance(claims.get("sub"), str) and bool(claims["sub"].strip())

    def filter_users_by_claims(self, claims):
        linked = ExternalIdentity.objects.filter(issuer=settings.OIDC_OP_ISSUER, subject=claims.get("sub"))
        return User.objects.filter(pk__in=linked.values("user_id"))

    def create_user(self, claims):
        return self._sign_in(claims)

    def update_user(self, user, claims):
        return self._sign_in(claims)

    def _sign_in(self, claims):
        try:
            return services.sso_sign_in(actor=None, issuer=settings.OIDC_OP_ISSUER, claims=claims)
        except services.SignInRefused as exc:
            refuse(getattr(self, "request", None), str(exc))
            logger.info("single sign-on refused for subject %r: %s", claims.get("sub"), exc)
            raise SuspiciousOperation("refused") from exc  # the library turns this into "no user"


def not_a_password_attempt(request, credentials) -> bool:
    """django-axes' AXES_WHITELIST_CALLABLE: a single sign-on callback is not a password guess. Its failures carry
    no username, so counting them would lock "no username" at an address: after five failed callbacks from an
    office's shared address, single sign-on would be closed for the whole office. The provider throttles its own
    password form; Baton keeps throttling its own."""
    return bool(credentials) and "nonce" in credentials and "password" not in credentials


class LocalPasswordBackend(ModelBackend):
    """Django's password backend, refusing passwords while local sign-in is off (BATON_LOCAL_LOGIN=off), and
    keeping them for active superusers only in break-glass mode. Installed instead of ModelBackend by
    procurement.conf.sso.backends, so the admin's sign-in form is covered as well as Baton's.

    Bidder contacts (issue 20) always sign in with their password: the setting is about the organisation's own
    people and its single sign-on, which vendors' contacts are not part of."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        mode = getattr(settings, "BATON_LOCAL_LOGIN", "on")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or mode == "on" or getattr(user, "is_bidder", False):
            return user
        if mode == "break-glass" and user.is_superuser:
            return user
        return None
