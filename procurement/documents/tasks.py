"""Thin Celery tasks: ids in, the services do the work, idempotently."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from procurement.documents import conf, services


@shared_task(
    name="documents.render",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=conf.RENDER_SOFT_TIME_LIMIT,
    time_limit=conf.RENDER_HARD_TIME_LIMIT,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=5,
)
def render_document(document_id: int) -> None:
    """Render one document row (does nothing unless it is waiting; see services.document_render)."""
    services.document_render(document_id=document_id)


@shared_task(name="documents.sweep", acks_late=True, time_limit=300)
def sweep_documents() -> None:
    """Beat job: queue again the rows stuck waiting or interrupted mid-render."""
    services.document_sweep()
