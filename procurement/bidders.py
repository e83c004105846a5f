"""Bidder contacts (issue 20) are users of a distinct kind who reach only the bidders' portal.

The middleware answers 404 to a signed-in bidder for every path outside settings.BATON_BIDDER_PATHS, before any
view runs, so no internal page, export, search, calendar, admin screen or API call is reachable to them whatever
that page's own checks say. (They hold no role either, so the policies would refuse them too; this is the
belt to those braces.) The API's bearer tokens of bidders are refused by procurement.api as well."""

from django.conf import settings
from django.http import HttpRequest

from procurement.views import error_404


def is_bidder(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_bidder", False))


def bidder_may_reach(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.BATON_BIDDER_PATHS)


class BidderConfinementMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if is_bidder(getattr(request, "user", None)) and not bidder_may_reach(request.path_info):
            return error_404(request, None)
        return self.get_response(request)
