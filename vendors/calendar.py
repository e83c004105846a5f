"""Attestation dates in each vendor owner's calendar feed (contributed through VendorsConfig): the expiry, and the
refresh-due date when the tier's refresh cadence asks for a fresh attestation before it expires."""

from django.utils import timezone

from procurement.calendar_feed import LOOKBACK
from procurement.icalendar import CalendarEvent, record_uid
from procurement.notifications.services import absolute_url


def events(user) -> list[CalendarEvent]:
    from vendors.models import Attestation
    from vendors.selectors import refresh_after_months, refresh_months_expression

    since = timezone.localdate() - LOOKBACK
    rows = (Attestation.objects.filter(vendor__owner=user, expires_on__gte=since)
            .annotate(refresh_months=refresh_months_expression())
            .select_related("vendor").order_by("expires_on"))
    out = []
    for a in rows:
        url = absolute_url(a.vendor.get_absolute_url())
        out.append(CalendarEvent(uid=record_uid(a, "expires"), day=a.expires_on,
                                 summary=f"{a.vendor}: {a.get_standard_display()} attestation expires",
                                 description=a.issuer, url=url))
        refresh = refresh_after_months(a, a.refresh_months)
        if refresh.reason == "cadence" and refresh.on >= since:
            out.append(CalendarEvent(
                uid=record_uid(a, "refresh-due"), day=refresh.on,
                summary=f"{a.vendor}: {a.get_standard_display()} attestation refresh due",
                description=f"{a.issuer}; {refresh.reason_label} (expires {a.expires_on.isoformat()})", url=url))
    return out
