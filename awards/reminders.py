"""Scoring-deadline reminders (the periodic job `notifications.deadlines`, awards.tasks). Idempotent: the event
key names the deadline, so a job that runs every hour (or twice by accident) tells each person once per
deadline."""

from datetime import timedelta

from django.utils import timezone

from procurement.notifications.services import notify

# Evaluators hear about their scoring deadline this many days ahead.
SCORING_REMINDER_DAYS = 3


def scoring_deadline_reminders(*, today=None) -> int:
    """Evaluators who still owe scores (the policy's `score` action: assigned, procedure in evaluation, sheet
    not submitted, at least one bid they may open) on procedures whose scoring deadline (the target award date)
    falls within the next SCORING_REMINDER_DAYS days. Returns how many were told."""
    from awards.models import EvaluatorAssignment
    from awards.models.procedure import Stage
    from awards.policies import scores_owed

    today = today or timezone.localdate()
    horizon = today + timedelta(days=SCORING_REMINDER_DAYS)
    due = {"target_award_date__range": (today, horizon)}
    evaluators = {a.evaluator for a in EvaluatorAssignment.objects.filter(
        procedure__stage=Stage.EVALUATION, **{f"procedure__{k}": v for k, v in due.items()},
        evaluator__is_active=True).select_related("evaluator").order_by("evaluator_id")}
    told = 0
    for evaluator in sorted(evaluators, key=lambda person: person.pk):
        for procedure in scores_owed(evaluator).filter(**due).order_by("target_award_date", "reference"):
            deadline = procedure.target_award_date
            days = (deadline - today).days
            when = "today" if days == 0 else ("tomorrow" if days == 1 else f"in {days} days")
            sent = notify(recipient=evaluator, kind="scoring_deadline",
                          key=f"scoring_deadline:{procedure.pk}:{deadline.isoformat()}",
                          subject=f"Scores for {procedure.reference} are due {when} ({deadline:%d %b %Y})",
                          body="Submit your score sheet before the deadline; a draft does not count.",
                          target=procedure)
            told += sent is not None
    return told
