"""Turns domain refusals into pages a person understands; the viewer's time zone; Baton's 404 under DEBUG."""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone

from procurement.exceptions import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):  # InvalidTransition, ConcurrentEdit and any other refusal
            template = "errors/409.html#message" if getattr(request, "htmx", False) else "errors/409.html"
            return render(request, template, {"message": str(exception)}, status=409)
        return None


class UserTimeZoneMiddleware:
    """Shows times in the signed-in person's own zone (User.time_zone; empty: settings.TIME_ZONE).

    Activates the zone for the request and deactivates it afterwards, so a worker thread never carries one
    person's zone into the next request. A stored name this machine does not know falls back to the default.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = getattr(getattr(request, "user", None), "time_zone", "") or ""
        zone = known_zone(name) if name else None
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            if zone is not None:
                timezone.deactivate()


@lru_cache(maxsize=512)
def known_zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class DebugNotFoundMiddleware:
    """Baton's own "Not found" page while DEBUG is on (`make run`), instead of Django's page listing every URL.

    Only 404s change: DEBUG's technical page for a server error (500) stays. An address that matches no URL
    pattern is answered here before any view runs (Django would otherwise build its URL list); a view that raises
    Http404 gets the same page. With DEBUG off Django already renders handler404 (procurement.views.error_404).
    CommonMiddleware, outside this one, still redirects "/path" to "/path/" when only the latter exists.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404:
                from procurement.views import error_404

                return error_404(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            from procurement.views import error_404

            return error_404(request, exception)
        return None
