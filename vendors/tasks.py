"""Celery tasks of the vendors app: thin, no arguments, the services do the work and are idempotent."""

from celery import shared_task
from django.db import OperationalError

from vendors.services import monitoring


@shared_task(name="vendors.attestations_daily", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=5, max_retries=5)
def attestations_daily() -> dict:
    """Mark attestations expiring or expired, open their refresh tasks and tell the people, once each."""
    result = monitoring.attestations_check()
    return {"marked": len(result.marked), "tasks_opened": len(result.tasks_opened), "notified": result.notified}


@shared_task(name="vendors.reassessment_daily", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=5, max_retries=5)
def reassessment_daily() -> dict:
    """Open a reassessment task for each vendor whose tier is due for review, and tell its owner once."""
    result = monitoring.reassessments_check()
    return {"tasks_opened": len(result.tasks_opened), "notified": result.notified}
