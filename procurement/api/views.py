"""The API-token pages: create (the secret is shown once, on the answer page), and revoke with a reason.

The tokens are listed in the panel on the notification preferences page (templatetags.api_tokens)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from procurement import authz
from procurement.api.forms import ApiTokenForm, RevokeForm
from procurement.api.policies import api_token_policy
from procurement.api.services import api_token_create, api_token_revoke

PREFERENCES = "notifications:preferences"


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def token_create_view(request):
    authz.require(request.user, api_token_policy, "create")
    form = ApiTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/token_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke_view(request, pk: int):
    token = authz.get_for_user_or_404(request.user, api_token_policy, action="revoke", pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            api_token_revoke(actor=request.user, token=token, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"The API token “{token.name}” is revoked; it no longer works.")
            return redirect(PREFERENCES)
    return render(request, "api/token_revoke.html", {"token": token, "form": form},
                  status=400 if form.errors else 200)
