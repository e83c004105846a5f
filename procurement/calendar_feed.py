"""Each person's deadlines as a calendar feed (.ics) at a secret address.

The address carries a random token; only its sha256 is stored (procurement.notifications.models.CalendarFeed).
An unknown or revoked token, or an inactive person, gets 404. The feed holds only what the person has to do,
so it never reveals a record they could not open in Baton. A bounded number of queries (one per source).
The sources are the apps' (`Contributions.calendar`: each `events(user)` -> list of CalendarEvent, from
LOOKBACK days ago on).
"""

from datetime import timedelta

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from procurement.contributions import collect, resolve
from procurement.icalendar import CalendarEvent, to_ics
from procurement.notifications.services import calendar_feed_user

# How far back an overdue item still shows in the feed.
LOOKBACK = timedelta(days=30)


def events_for(user) -> list[CalendarEvent]:
    """Every event the apps' calendar sources (`Contributions.calendar`) give `user`, by day."""
    events: list[CalendarEvent] = []
    for dotted in collect().all("calendar"):
        events.extend(resolve(dotted)(user))
    return sorted(events, key=lambda e: (e.day, e.summary))


@never_cache
@require_GET
def feed_view(request, token: str):
    user = calendar_feed_user(token)
    if user is None:
        raise Http404("No such calendar.")
    body = to_ics(events_for(user), name=f"Baton deadlines — {user}", product="Deadlines")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="baton-deadlines.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
