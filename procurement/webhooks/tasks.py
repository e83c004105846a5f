"""Thin Celery tasks for webhooks: ids in, the services do the work, idempotently."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from procurement.webhooks import services


@shared_task(name="webhooks.deliver", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=5,
             soft_time_limit=60, time_limit=90)
def deliver(delivery_id: int) -> None:
    """One attempt at one delivery (does nothing unless it is waiting and due)."""
    services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.sweep", acks_late=True, soft_time_limit=240, time_limit=300)
def sweep() -> None:
    """Beat job: queue again the deliveries whose task was lost (broker down at commit, worker gone)."""
    services.delivery_sweep()
