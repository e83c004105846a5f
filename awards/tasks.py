"""Periodic award jobs (scheduled through AwardsConfig.contributions). Thin: each calls an idempotent service."""

from celery import shared_task


@shared_task(name="notifications.deadlines", acks_late=True, soft_time_limit=240, time_limit=300)
def send_deadline_reminders() -> None:
    """Beat job: remind evaluators whose scoring deadline is near (idempotent per person and deadline)."""
    from awards.reminders import scoring_deadline_reminders

    scoring_deadline_reminders()
