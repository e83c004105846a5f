"""Thin Celery tasks: ids in, the services do the work, idempotently."""

import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError

from procurement.documents import conf, services
from procurement.documents.renderer import html_to_pdf

logger = logging.getLogger(__name__)


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


@worker_process_init.connect
def _warm_up_renderer(**kwargs) -> None:
    """Import WeasyPrint and render a scrap in each new worker child, so the first real document a person
    waits for does not pay the ~0.5–2 s import and font set-up."""
    try:
        html_to_pdf("<!doctype html><p>warm-up</p>")
    except Exception:  # a broken renderer shows up on the first real render, with its readable error
        logger.exception("Renderer warm-up failed")
