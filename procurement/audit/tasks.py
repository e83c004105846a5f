"""Thin Celery tasks of the audit trail: the service does the work."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from procurement.audit.checkpoint import checkpoint_write


@shared_task(name="audit.checkpoint", acks_late=True, time_limit=900, soft_time_limit=840,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=5)
def checkpoint(reason: str = "Scheduled checkpoint") -> str:
    """Sign and store the head of every audit chain (beat, and on commit of every memo approval).
    Writing one more checkpoint is always safe, so a retried or duplicated run does no harm.
    Returns the stored checkpoint's name."""
    return checkpoint_write(reason=reason).name
