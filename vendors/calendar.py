"""Attestation expiry dates in each vendor owner's calendar feed (contributed through VendorsConfig)."""

from django.utils import timezone

from procurement.calendar_feed import LOOKBACK
from procurement.icalendar import CalendarEvent, record_uid
from procurement.notifications.services import absolute_url


def events(user) -> list[CalendarEvent]:
    from vendors.models import Attestation

    since = timezone.localdate() - LOOKBACK
    rows = (Attestation.objects.filter(vendor__owner=user, expires_on__gte=since)
            .select_related("vendor").order_by("expires_on"))
    return [CalendarEvent(uid=record_uid(a, "expires"), day=a.expires_on,
                          summary=f"{a.vendor}: {a.get_standard_display()} attestation expires",
                          description=a.issuer, url=absolute_url(a.vendor.get_absolute_url()))
            for a in rows]
