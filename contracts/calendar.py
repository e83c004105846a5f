"""Contract dates in each person's calendar feed (a source contributed through ContractsConfig.contributions):
notice and end dates of the contracts they run, milestones they manage or test."""

from django.db.models import Q
from django.utils import timezone

from procurement.calendar_feed import LOOKBACK
from procurement.icalendar import CalendarEvent, record_uid
from procurement.notifications.services import absolute_url


def events(user) -> list[CalendarEvent]:
    from contracts.models import Contract, Milestone

    since = timezone.localdate() - LOOKBACK
    mine = Q(post_award_manager=user) | Q(negotiation_lead=user)
    live = [Contract.Status.SIGNED, Contract.Status.ACTIVE, Contract.Status.NEGOTIATING]
    events = []
    for c in Contract.objects.filter(mine, status__in=live, end_date__isnull=False).order_by("end_date"):
        url = absolute_url(c.get_absolute_url())
        if c.notice_date and c.notice_date >= since:
            events.append(CalendarEvent(uid=record_uid(c, "notice"), day=c.notice_date,
                                        summary=f"{c.reference}: last day to give notice", description=c.title,
                                        url=url))
        if c.end_date >= since:
            events.append(CalendarEvent(uid=record_uid(c, "end"), day=c.end_date,
                                        summary=f"{c.reference}: end of term", description=c.title, url=url))
    milestones = (Milestone.objects.filter(Q(contract__post_award_manager=user) | Q(tester=user),
                                           status=Milestone.Status.PLANNED, due_date__gte=since)
                  .select_related("contract").order_by("due_date"))
    for m in milestones:
        events.append(CalendarEvent(uid=record_uid(m), day=m.due_date,
                                    summary=f"{m.contract.reference}: milestone {m.title}",
                                    url=absolute_url(m.contract.get_absolute_url())))
    return events
