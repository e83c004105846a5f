"""Bearer-token authentication for the whole API (set on the NinjaAPI, so every router gets it).

`Authorization: Bearer baton_<prefix>_<secret>`. The token is found by its non-secret prefix and its sha256 is
compared in constant time; it must be unrevoked, unexpired and belong to an active user. A token of a bidder
contact (issue 20) is answered 404 whatever it asks: the API, like every internal page, does not exist for them
(procurement.bidders). GET and HEAD need the
read scope, every other method write. Inside an endpoint `request.user` is the token's user and `request.auth`
the token row. No session or cookie is ever read, so the API has no CSRF surface.
"""

from __future__ import annotations

import hmac

from django.http import Http404
from django.utils import timezone
from ninja.security import HttpBearer

from procurement.api.models import MARK, ApiToken
from procurement.api.screening import screen
from procurement.api.services import api_token_touch


class ScopeRefused(Exception):
    """The token is valid but its scope does not cover the method (answered 403)."""


def token_for(secret: str) -> ApiToken | None:
    """The usable token whose secret this is, or None (one query, on the unique prefix)."""
    tag, _, rest = (secret or "").partition("_")
    prefix, _, _random = rest.partition("_")
    if tag != MARK or not prefix or not _random or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, ApiToken.digest_of(secret)):
        return None
    if not token.is_usable(timezone.now()) or not token.user.is_active:
        return None
    return token


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        found = token_for(token.strip())
        if found is None:
            return None
        if getattr(found.user, "is_bidder", False):  # a vendor contact reaches the bidders' portal only
            raise Http404("Not found.")
        if not found.allows(request.method):
            raise ScopeRefused(f"This token has the “{found.scope}” scope; {request.method} needs “write”.")
        screen(request)  # after the token: an anonymous caller learns nothing but 401
        request.user = found.user
        api_token_touch(token=found)
        return found
