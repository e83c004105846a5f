"""Thin Celery tasks of the audit trail: the service does the work."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from procurement.audit.checkpoint import checkpoint_write

logger = logging.getLogger(__name__)


@shared_task(name="audit.checkpoint", acks_late=True, time_limit=900, soft_time_limit=840,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=5)
def checkpoint(reason: str = "Scheduled checkpoint") -> str:
    """Sign and store the head of every audit chain (beat, and on commit of every memo approval).
    Writing one more checkpoint is always safe, so a retried or duplicated run does no harm.
    Returns the stored checkpoint's name."""
    return checkpoint_write(reason=reason).name


def checkpoint_on_commit(reason: str) -> None:
    """Queue a checkpoint once the current transaction commits (e.g. a memo approval). A broker outage is logged,
    not raised: the decision is already committed, and the hourly job writes the next checkpoint."""
    from django.db import transaction

    from procurement.queueing import enqueue_fail_fast

    def enqueue() -> None:
        try:
            enqueue_fail_fast(checkpoint, kwargs={"reason": reason}, what=f"an audit checkpoint ({reason})")
        except Exception:  # eager mode runs it here: a missing key must not turn a committed approval into a 500
            logger.exception("Could not write the audit checkpoint (%s); the hourly job writes the next one.",
                             reason)

    transaction.on_commit(enqueue)
