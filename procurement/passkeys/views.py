"""Passkey pages: the registration ceremony (options as JSON, then the form with the browser's answer) and the
removal of one, with a confirmation and a reason. The list lives on the preferences page
(templatetags/passkeys_tags.py)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from procurement.authz import get_for_user_or_404
from procurement.passkeys import services
from procurement.passkeys.forms import AUTO_ID, PasskeyRegisterForm, PasskeyRevokeForm
from procurement.passkeys.policies import passkey_policy
from procurement.posting import handle_form

PREFERENCES = "notifications:preferences"


@login_required
@require_POST
def register_options(request):
    """The creation options for a new passkey (JSON for static/js/passkeys.js); a single-use challenge."""
    try:
        options = services.registration_options(actor=request.user)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"options": options})


@login_required
def register(request):
    return handle_form(
        request, PasskeyRegisterForm,
        lambda form: services.passkey_register(actor=request.user, name=form.cleaned_data["name"],
                                               credential=form.cleaned_data["credential"]),
        template="passkeys/register.html", form_kwargs={"auto_id": AUTO_ID},
        success=lambda passkey: reverse(PREFERENCES) + "#passkeys-heading",
        done=lambda passkey: f"Passkey “{passkey.name}” registered. You can sign decision memos with it.")


@login_required
def revoke(request, pk):
    passkey = get_for_user_or_404(request.user, passkey_policy, action="revoke", pk=pk)
    return handle_form(
        request, PasskeyRevokeForm,
        lambda form: services.passkey_revoke(actor=request.user, passkey=passkey, reason=form.cleaned_data["reason"]),
        template="passkeys/revoke.html", context={"passkey": passkey},
        success=lambda _: reverse(PREFERENCES) + "#passkeys-heading",
        done=f"Passkey “{passkey.name}” removed. It can no longer sign; its history is kept.")
