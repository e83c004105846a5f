"""Award deadlines in each person's calendar feed (a source contributed through AwardsConfig.contributions):
scores owed, proposals due on procedures they take part in, sign-offs waiting for them.

Scores owed and sign-offs waiting are the policy's own answers (`procedure_policy.actionable(user, "score")`,
`routes_to_sign(user)`), so the feed shows exactly what the home page and the inbox show."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from procurement.calendar_feed import LOOKBACK
from procurement.icalendar import CalendarEvent, record_uid
from procurement.notifications.services import absolute_url


def events(user) -> list[CalendarEvent]:
    from awards.models import AwardProcedure, EvaluatorAssignment
    from awards.models.procedure import Stage
    from awards.policies import routes_to_sign, scores_owed

    since = timezone.localdate() - LOOKBACK
    events = []
    owed = scores_owed(user).filter(target_award_date__gte=since).order_by("target_award_date", "reference")
    for p in owed:
        events.append(CalendarEvent(uid=record_uid(p, "scoring", user.pk), day=p.target_award_date,
                                    summary=f"{p.reference}: submit your scores", description=p.title,
                                    url=absolute_url(p.get_absolute_url())))
    assigned = EvaluatorAssignment.objects.filter(procedure=OuterRef("pk"), evaluator=user)
    involved = (AwardProcedure.objects.filter(stage__in=[Stage.REQUIREMENTS, Stage.RFP_ISSUED],
                                              proposals_due__gte=since)
                .filter(Exists(assigned) | Q(lead=user) | Q(business_owner=user)))
    for p in involved.order_by("proposals_due"):
        events.append(CalendarEvent(uid=record_uid(p, "proposals-due"), day=p.proposals_due,
                                    summary=f"{p.reference}: proposals due", description=p.title,
                                    url=absolute_url(p.get_absolute_url())))
    for route in routes_to_sign(user).select_related("memo__procedure"):
        memo = route.memo
        day = memo.procedure.target_award_date or timezone.localdate(route.created_at)
        events.append(CalendarEvent(uid=record_uid(route, "sign-off", user.pk), day=day,
                                    summary=f"{memo.procedure.reference}: sign-off waiting for you",
                                    description=str(memo), url=absolute_url(memo.get_absolute_url())))
    return events
