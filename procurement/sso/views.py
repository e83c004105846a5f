"""The sign-in page and the two endpoints of single sign-on (mozilla-django-oidc's views, made Baton's).

The endpoints are always routed, so the permission matrix covers them; with single sign-on off they answer 404
with a page that says so. A failed sign-in never shows an error page: the person is sent back to the sign-in
page with one sentence saying what went wrong (the details go to the log).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import jwt
import requests
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect, render
from django.urls import reverse
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from procurement.sso.backends import REFUSAL_ATTRIBUTE

logger = logging.getLogger(__name__)

NOT_VERIFIED = ("Baton could not verify this sign-in with {provider}, so you are not signed in. "
                "Start again from this page; if it keeps failing, ask a Baton administrator.")
PROVIDER_SAID_NO = "{provider} did not sign you in ({error}). Nothing was changed; you may try again."
PROVIDER_ERRORS = {"access_denied", "login_required", "consent_required", "interaction_required",
                   "temporarily_unavailable", "server_error", "invalid_request", "unauthorized_client",
                   "invalid_scope", "account_selection_required"}  # codes shown as sent; anything else is not echoed


def sso_enabled() -> bool:
    return bool(getattr(settings, "BATON_SSO_ENABLED", False))


def provider_name() -> str:
    return getattr(settings, "BATON_SSO_PROVIDER_NAME", "single sign-on")


def local_login_mode() -> str:
    return getattr(settings, "BATON_LOCAL_LOGIN", "on")


def _unavailable(request):
    return render(request, "sso/unavailable.html", status=404)


class SsoAuthenticateView(OIDCAuthenticationRequestView):
    """GET: send the browser to the provider with a fresh state, nonce and PKCE challenge kept in the session."""

    def __init__(self, *args, **kwargs):
        # The library reads its settings here; with single sign-on off they do not exist: read them on dispatch.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        if not sso_enabled():
            return _unavailable(request)
        self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().dispatch(request, *args, **kwargs)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """GET: the provider sends the browser back here with a code and the state; the library checks the state,
    the backend swaps the code for tokens and verifies them (procurement.sso.backends)."""

    def dispatch(self, request, *args, **kwargs):
        if not sso_enabled():
            return _unavailable(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        self.refusal = ""
        error = request.GET.get("error")
        try:
            return super().get(request)
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException, ValueError, KeyError) as exc:
            logger.warning("single sign-on callback refused: %s: %s", type(exc).__name__, exc)
            self.refusal = NOT_VERIFIED.format(provider=provider_name())
            if error:
                self.refusal = PROVIDER_SAID_NO.format(provider=provider_name(), error=error)
            return self.login_failure()

    def login_failure(self):
        request = self.request
        error = request.GET.get("error")
        message = getattr(self, "refusal", "") or getattr(request, REFUSAL_ATTRIBUTE, "")
        if not message and error:
            shown = error if error in PROVIDER_ERRORS else "an error it did not explain"
            message = PROVIDER_SAID_NO.format(provider=provider_name(), error=shown)
        if not message:
            message = NOT_VERIFIED.format(provider=provider_name())
        messages.error(request, message)
        return redirect(settings.LOGIN_URL)


# --- the sign-in page ---------------------------------------------------------------------------------------
class BatonAuthenticationForm(AuthenticationForm):
    """The password form, refusing with a clear sentence when local sign-in is off (or kept for administrators
    only). Bidder contacts (issue 20) sign in with their password in every mode (the password backend,
    procurement.sso.backends.LocalPasswordBackend, lets only them through when it is off), so a refusal here
    says the same whether the password was right or wrong."""

    def clean(self):
        mode = local_login_mode()
        try:
            return super().clean()
        except forms.ValidationError:
            if mode == "off":
                raise forms.ValidationError(
                    f"Password sign-in is switched off for Baton. Use “Sign in with {provider_name()}”. (Vendor "
                    "contacts of the bidders' portal sign in with a password: check your username and password.)",
                    code="local_login_off") from None
            if mode == "break-glass":
                raise forms.ValidationError(
                    "Password sign-in is kept for administrators only (break-glass), and for vendor contacts of the "
                    f"bidders' portal. Everyone else signs in with {provider_name()}.",
                    code="break_glass_only") from None
            raise


class BatonLoginView(auth_views.LoginView):
    """The sign-in page. A bidder contact lands on the bidders' portal (an internal `next` would only be a 404
    to them, procurement.bidders)."""

    authentication_form = BatonAuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self):
        from procurement.bidders import bidder_may_reach, is_bidder

        url = super().get_success_url()
        if is_bidder(self.request.user) and not bidder_may_reach(urlsplit(url).path):
            return reverse("portal:home")
        return url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context.update(sso_enabled=sso_enabled(), sso_provider_name=provider_name(),
                       local_login=local_login_mode(),
                       bidder_form=bool(self.request.GET.get("portal")) or bool(form is not None and form.is_bound))
        return context
