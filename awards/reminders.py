"""Scoring-deadline reminders (the periodic job `notifications.deadlines`, awards.tasks). Idempotent: the event
key names the deadline, so a job that runs every hour (or twice by accident) tells each person once per
deadline."""

from datetime import timedelta

from django.utils import timezone

from procurement.notifications.services import notify

# Evaluators hear about their scoring deadline this many days ahead.
SCORING_REMINDER_DAYS = 3


def scoring_deadline_reminders(*, today=None) -> int:
    """Evaluators who have not submitted their score sheet, on procedures in evaluation whose scoring deadline
    (the target award date) falls within the next SCORING_REMINDER_DAYS days. Returns how many were told."""
    from django.db.models import Exists, OuterRef

    from awards.models import EvaluatorAssignment
    from awards.models.procedure import Stage
    from awards.models.scorecard import ScoreSheet

    today = today or timezone.localdate()
    horizon = today + timedelta(days=SCORING_REMINDER_DAYS)
    submitted = ScoreSheet.objects.filter(scorecard__procedure=OuterRef("procedure"), evaluator=OuterRef("evaluator"),
                                          submitted_at__isnull=False)
    owing = (EvaluatorAssignment.objects
             .filter(procedure__stage=Stage.EVALUATION, procedure__target_award_date__range=(today, horizon),
                     evaluator__is_active=True)
             .exclude(Exists(submitted)).select_related("procedure", "evaluator"))
    told = 0
    for assignment in owing:
        procedure, deadline = assignment.procedure, assignment.procedure.target_award_date
        days = (deadline - today).days
        when = "today" if days == 0 else ("tomorrow" if days == 1 else f"in {days} days")
        sent = notify(recipient=assignment.evaluator, kind="scoring_deadline",
                      key=f"scoring_deadline:{procedure.pk}:{deadline.isoformat()}",
                      subject=f"Scores for {procedure.reference} are due {when} ({deadline:%d %b %Y})",
                      body="Submit your score sheet before the deadline; a draft does not count.", target=procedure)
        told += sent is not None
    return told
