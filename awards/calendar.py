"""Award deadlines in each person's calendar feed (a source contributed through AwardsConfig.contributions):
scores owed, proposals due on procedures they take part in, sign-offs waiting for them."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from procurement.accounts.roles import Role, has_role
from procurement.calendar_feed import LOOKBACK
from procurement.icalendar import CalendarEvent
from procurement.notifications.services import absolute_url


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


def events(user) -> list[CalendarEvent]:
    from awards.models import ApprovalRoute, AwardProcedure, EvaluatorAssignment
    from awards.models.procedure import Stage

    since = timezone.localdate() - LOOKBACK
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
