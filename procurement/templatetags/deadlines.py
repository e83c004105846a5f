"""Deadlines as people read them: "12 Jan 2027, 12:00 Europe/Dublin", and the viewer's own time next to it.

    {% load deadlines %}
    {% deadline procedure_deadline %}

`procedure_deadline` is an aware datetime whose tzinfo is the zone the deadline was set in (what
awards.selectors.timeline.proposals_deadline returns). The tag shows the moment in that zone with the zone's IANA
name; a deadline at exactly midnight reads as the end of the day before ("the end of 12 Jan 2027 (Europe/Dublin)"),
which is how a date-only deadline is meant. When the viewer's zone (the one activated for the request by
procurement.middleware.UserTimeZoneMiddleware) gives another wall-clock time, it follows in brackets:
"(13:00 your time)", with the date when that differs too ("(13 Jan, 01:00 your time)").

The kernel imports no app, so the tag never computes a deadline: the caller passes the one the app defines.
"""

from datetime import datetime, time, timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()


def zone_name(moment: datetime) -> str:
    tz = moment.tzinfo
    return str(getattr(tz, "key", None) or tz)


def at_midnight(moment: datetime) -> bool:
    return moment.time() == time.min


def describe(moment: datetime) -> str:
    """The deadline in its own zone, as plain text."""
    name = zone_name(moment)
    if at_midnight(moment):
        return f"the end of {date_format((moment - timedelta(days=1)).date(), 'j M Y')} ({name})"
    return f"{date_format(moment.date(), 'j M Y')}, {moment:%H:%M} {name}"


def viewer_time(moment: datetime, viewer_zone=None) -> str:
    """The same moment on the viewer's clock, or "" when it reads the same there."""
    viewer_zone = viewer_zone or timezone.get_current_timezone()
    local = moment.astimezone(viewer_zone)
    if local.replace(tzinfo=None) == moment.replace(tzinfo=None):
        return ""
    if local.date() == moment.date() and not at_midnight(moment):  # a midnight deadline reads as the day before
        return f"{local:%H:%M} your time"
    return f"{date_format(local.date(), 'j M')}, {local:%H:%M} your time"


@register.simple_tag
def deadline(moment):
    """<time> with the deadline in its zone, then the viewer's time when it differs; "" for no deadline."""
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        return ""
    own = viewer_time(moment)
    if own:
        return format_html('<time datetime="{}">{}</time> <span class="muted">({})</span>',
                           moment.isoformat(), describe(moment), own)
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), describe(moment))
