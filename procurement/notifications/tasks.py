"""Thin Celery tasks for notifications: ids in, the services do the work, idempotently."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from procurement.notifications import services


@shared_task(name="notifications.send_email", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=5,
             soft_time_limit=50, time_limit=60)
def send_notification_email(notification_id: int) -> None:
    """Send one notification's email (does nothing when it was already sent)."""
    services.notification_email_send(notification_id=notification_id)


@shared_task(name="notifications.sweep", acks_late=True, soft_time_limit=240, time_limit=300)
def sweep_notification_emails() -> None:
    """Beat job: re-queue emails still waiting (the broker was down when their transaction committed)."""
    services.notification_email_sweep()
