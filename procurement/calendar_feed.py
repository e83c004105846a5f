"""Each person's deadlines as a calendar feed (.ics) at a secret address.

The address carries a random token; only its sha256 is stored (procurement.notifications.models.CalendarFeed).
An unknown or revoked token, or an inactive person, gets 404. The feed holds only what the person has to do,
so it never reveals a record they could not open in Baton. A bounded number of queries (one per source).
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from procurement.accounts.roles import Role, has_role
from procurement.icalendar import CalendarEvent, to_ics
from procurement.notifications.services import absolute_url, calendar_feed_user

# How far back an overdue item still shows in the feed.
LOOKBACK = timedelta(days=30)


def scoring_deadline_rows(user):
    """(procedure, deadline) pairs: procedures in evaluation where `user` is an evaluator who has not yet
    submitted their score sheet. The scoring deadline is the procedure's target award date."""
    from awards.models import AwardProcedure, EvaluatorAssignment
    from awards.models.procedure import Stage
    from awards.models.scorecard import ScoreSheet

    assigned = EvaluatorAssignment.objects.filter(procedure=OuterRef("pk"), evaluator=user)
    submitted = ScoreSheet.objects.filter(scorecard__procedure=OuterRef("pk"), evaluator=user,
                                          submitted_at__isnull=False)
    return (AwardProcedure.objects.filter(Exists(assigned), stage=Stage.EVALUATION, target_award_date__isnull=False)
            .exclude(Exists(submitted)).order_by("target_award_date", "reference"))


def _awards_events(user, since) -> list[CalendarEvent]:
    from awards.models import ApprovalRoute, AwardProcedure, EvaluatorAssignment
    from awards.models.procedure import Stage

    events = []
    for p in scoring_deadline_rows(user).filter(target_award_date__gte=since):
        events.append(CalendarEvent(uid=f"scoring-{p.pk}-{user.pk}@baton", day=p.target_award_date,
                                    summary=f"{p.reference}: submit your scores", description=p.title,
                                    url=absolute_url(p.get_absolute_url())))
    assigned = EvaluatorAssignment.objects.filter(procedure=OuterRef("pk"), evaluator=user)
    involved = (AwardProcedure.objects.filter(stage__in=[Stage.REQUIREMENTS, Stage.RFP_ISSUED],
                                              proposals_due__gte=since)
                .filter(Exists(assigned) | Q(lead=user) | Q(business_owner=user)))
    for p in involved.order_by("proposals_due"):
        events.append(CalendarEvent(uid=f"proposals-{p.pk}@baton", day=p.proposals_due,
                                    summary=f"{p.reference}: proposals due", description=p.title,
                                    url=absolute_url(p.get_absolute_url())))
    if has_role(user, Role.COMMITTEE_APPROVER):
        routes = (ApprovalRoute.objects.filter(status=ApprovalRoute.Status.OPEN, steps__committee__members=user)
                  .exclude(signoffs__signer=user).exclude(memo__author=user)
                  .select_related("memo__procedure").distinct())
        for route in routes:
            memo = route.memo
            day = memo.procedure.target_award_date or timezone.localdate(route.created_at)
            events.append(CalendarEvent(uid=f"signoff-{route.pk}-{user.pk}@baton", day=day,
                                        summary=f"{memo.procedure.reference}: sign-off waiting for you",
                                        description=str(memo), url=absolute_url(memo.get_absolute_url())))
    return events


def _contracts_events(user, since) -> list[CalendarEvent]:
    from contracts.models import Contract, Milestone

    mine = Q(post_award_manager=user) | Q(negotiation_lead=user)
    live = [Contract.Status.SIGNED, Contract.Status.ACTIVE, Contract.Status.NEGOTIATING]
    events = []
    for c in Contract.objects.filter(mine, status__in=live, end_date__isnull=False).order_by("end_date"):
        url = absolute_url(c.get_absolute_url())
        if c.notice_date and c.notice_date >= since:
            events.append(CalendarEvent(uid=f"notice-{c.pk}@baton", day=c.notice_date,
                                        summary=f"{c.reference}: last day to give notice", description=c.title,
                                        url=url))
        if c.end_date >= since:
            events.append(CalendarEvent(uid=f"end-{c.pk}@baton", day=c.end_date,
                                        summary=f"{c.reference}: end of term", description=c.title, url=url))
    milestones = (Milestone.objects.filter(Q(contract__post_award_manager=user) | Q(tester=user),
                                           status=Milestone.Status.PLANNED, due_date__gte=since)
                  .select_related("contract").order_by("due_date"))
    for m in milestones:
        events.append(CalendarEvent(uid=f"milestone-{m.pk}@baton", day=m.due_date,
                                    summary=f"{m.contract.reference}: milestone {m.title}",
                                    url=absolute_url(m.contract.get_absolute_url())))
    return events


def _vendor_events(user, since) -> list[CalendarEvent]:
    from vendors.models import Attestation

    rows = (Attestation.objects.filter(vendor__owner=user, expires_on__gte=since)
            .select_related("vendor").order_by("expires_on"))
    return [CalendarEvent(uid=f"attestation-{a.pk}@baton", day=a.expires_on,
                          summary=f"{a.vendor}: {a.get_standard_display()} attestation expires",
                          description=a.issuer, url=absolute_url(a.vendor.get_absolute_url()))
            for a in rows]


def events_for(user) -> list[CalendarEvent]:
    since = timezone.localdate() - LOOKBACK
    events = _awards_events(user, since) + _contracts_events(user, since) + _vendor_events(user, since)
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
