"""Thin Celery tasks: ids in, the services do the work, idempotently."""

import logging
import time

from celery import shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError
from django.utils import timezone

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
    started, claimed_from = time.monotonic(), timezone.now()
    doc = services.document_render(document_id=document_id)
    _count_render(doc, claimed_from=claimed_from, seconds=time.monotonic() - started)


def _count_render(doc, *, claimed_from, seconds: float) -> None:
    """Metrics (procurement.metrics) for a render this task attempted: its row was claimed after the task
    began. A duplicate or redelivered task that found the row already READY or FAILED counts nothing."""
    from procurement.documents.models import RenderedDocument
    from procurement.metrics import DOCUMENTS_FAILED, DOCUMENTS_RENDERED, RENDER_SECONDS

    if doc is None or doc.claimed_at is None or doc.claimed_at < claimed_from:
        return
    if doc.status == RenderedDocument.Status.READY:
        DOCUMENTS_RENDERED.labels(kind=doc.kind).inc()
    elif doc.status == RenderedDocument.Status.FAILED:
        DOCUMENTS_FAILED.labels(kind=doc.kind).inc()
    else:
        return
    RENDER_SECONDS.labels(kind=doc.kind).observe(seconds)


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
