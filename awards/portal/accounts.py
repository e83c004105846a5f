"""Portal pages: accepting an invitation (issue 20). The link signs the contact up, or takes the account they are
signed in with; awards.services.invitations decides who may use it. Any link that cannot be used gets a page
that says why (never an error page)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from awards.services.invitations import (
    InvitationUnusable,
    bidder_invitation_accept,
    invitation_for_token,
    refusal_for_user,
)
from procurement.posting import put_on_form


class SignUpForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150,
                               help_text="You sign in with it. Letters, digits and @ . + - _ only.")
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    password = forms.CharField(label="Password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="At least 10 characters; not a common password and not like your name.")
    password_again = forms.CharField(label="Password again", strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords differ; type the same one twice.")
        return data


def _password_backend() -> str:
    return next(b for b in settings.AUTHENTICATION_BACKENDS if b.endswith(("ModelBackend", "LocalPasswordBackend")))


def _page(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)  # the page's address carries the secret link
    return response


def _unusable(request, message: str, status: int = 410):
    return _page(request, "portal/accounts/unusable.html", {"message": message}, status=status)


@require_http_methods(["GET", "POST"])
def accept(request, token):
    try:
        invitation = invitation_for_token(token)
    except InvitationUnusable as exc:
        return _unusable(request, str(exc))
    user = request.user if request.user.is_authenticated else None
    refused = refusal_for_user(invitation, user)
    if refused:
        return _unusable(request, refused, status=403)
    context = {"invitation": invitation, "procedure": invitation.bid.procedure, "vendor": invitation.bid.vendor,
               "login_url": f"{reverse('login')}?portal=1&next={request.path}"}
    if user is None and invitation.contact.account_id is not None:
        return _page(request, "portal/accounts/sign_in_first.html", context)
    form = SignUpForm(request.POST if request.method == "POST" and user is None else None)
    if request.method == "POST":
        try:
            if user is not None:
                accepted = bidder_invitation_accept(token=token, user=user)
            elif form.is_valid():
                accepted = bidder_invitation_accept(
                    token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"], last_name=form.cleaned_data["last_name"])
            else:
                return _page(request, "portal/accounts/accept.html", {**context, "form": form}, status=400)
        except InvitationUnusable as exc:
            return _unusable(request, str(exc))
        except ValidationError as exc:
            put_on_form(form, exc)
            return _page(request, "portal/accounts/accept.html", {**context, "form": form}, status=400)
        if accepted.created:
            login(request, accepted.user, backend=_password_backend())
        return redirect("portal:procedure", accepted.invitation.bid.procedure.reference)
    return _page(request, "portal/accounts/accept.html", {**context, "form": None if user else form})


urlpatterns: list = [
    path("invitations/<str:token>/", accept, name="accept"),
]
