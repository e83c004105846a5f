"""The test-only control endpoint: POST JSON with the bearer token given at start-up.

    {"user": "alice", "groups": ["baton-users", "baton-leads"]}   set the user's groups (made when missing)
    {"id_token": "forged" | "expired" | "nonce" | "normal"}        how the next ID tokens are issued
"""

import hmac
import json

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tests.oidc_provider.validator import MODE


@csrf_exempt
@require_POST
def control(request):
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not settings.CONTROL_TOKEN or not hmac.compare_digest(given, settings.CONTROL_TOKEN):
        return HttpResponseForbidden("no")
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("JSON please")
    if "id_token" in body:
        if body["id_token"] not in ("normal", "forged", "expired", "nonce"):
            return HttpResponseBadRequest("unknown mode")
        MODE["id_token"] = body["id_token"]
    if "user" in body:
        user = User.objects.get(username=body["user"])
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in body.get("groups", [])])
    return JsonResponse({"id_token": MODE["id_token"]})


def ready(request):
    return HttpResponse("ok")
