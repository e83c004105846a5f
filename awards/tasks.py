"""Award jobs (periodic ones scheduled through AwardsConfig.contributions). Thin: each calls an idempotent service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(name="notifications.deadlines", acks_late=True, soft_time_limit=240, time_limit=300)
def send_deadline_reminders() -> None:
    """Beat job: remind evaluators whose scoring deadline is near (idempotent per person and deadline)."""
    from awards.reminders import scoring_deadline_reminders

    scoring_deadline_reminders()


@shared_task(name="awards.invitation_email", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=5,
             soft_time_limit=50, time_limit=60)
def send_invitation_email(invitation_id: int) -> None:
    """Send one bidder invitation's e-mail with its link (does nothing when it was already sent, revoked or
    accepted). The id only: the link's token is drawn by the service as it sends, never passed through here."""
    from awards.services.invitations import invitation_email_send

    invitation_email_send(invitation_id=invitation_id)


@shared_task(name="awards.invitations_sweep", acks_late=True, soft_time_limit=240, time_limit=300)
def sweep_invitation_emails() -> None:
    """Beat job: invitation e-mails still queued after a few minutes (the broker was down) are sent again."""
    from awards.services.invitations import invitation_email_sweep

    invitation_email_sweep()
