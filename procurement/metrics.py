"""Baton's own Prometheus metrics, and the protected page that serves them with django-prometheus's.

Counted where the work happens:
    baton_documents_rendered_total{kind}      renders that ended READY (procurement.documents.tasks)
    baton_documents_failed_total{kind}        renders that ended FAILED
    baton_document_render_seconds{kind}       how long a render took, claim to stored (histogram)
    baton_notifications_sent_total{channel,kind}  in_app: put in an inbox; email: handed to the mail server
    baton_notification_emails_failed_total{kind}  email attempts the mail server refused
Read when the page is scraped:
    baton_queue_depth{queue}                  tasks waiting in the broker's Celery queue (0 when Celery is eager)

Processes: with PROMETHEUS_MULTIPROC_DIR set, prometheus_client writes every process's values to files in that
directory and the page adds them up, so the counters of the Celery worker's children (and of every web
process) appear in one scrape. The directory must be shared by those processes (one host or one volume) and
emptied before they start. Without it each process counts alone and /metrics shows the serving process only.

/metrics answers 404 while BATON_METRICS_TOKEN is unset, 403 to a missing or wrong bearer token (compared in
constant time) and the metrics in Prometheus's text format otherwise.
"""

from __future__ import annotations

import hmac
import logging
import os

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

DOCUMENTS_RENDERED = Counter("baton_documents_rendered", "Documents rendered and stored (READY).", ["kind"])
DOCUMENTS_FAILED = Counter("baton_documents_failed", "Document renders that ended FAILED.", ["kind"])
RENDER_SECONDS = Histogram(
    "baton_document_render_seconds", "Seconds from a worker claiming a document to storing (or failing) it.",
    ["kind"], buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, float("inf")),
)
NOTIFICATIONS_SENT = Counter("baton_notifications_sent", "Notifications delivered, by channel and kind.",
                             ["channel", "kind"])
NOTIFICATION_EMAILS_FAILED = Counter("baton_notification_emails_failed",
                                     "Notification email attempts the mail server refused.", ["kind"])

# kombu's Redis transport keeps a queue's messages in a list named after the queue, plus one list per priority
# step ("<queue>\x06\x16<n>") for messages sent with a priority.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def queue_depth(queue: str) -> int:
    """Tasks waiting in `queue` on the Redis broker; 0 without a broker (eager Celery)."""
    if not settings.REDIS_URL:
        return 0
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        with client.pipeline(transaction=False) as pipe:
            for name in (queue, *(f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS)):
                pipe.llen(name)
            return sum(pipe.execute())
    finally:
        client.close()


class QueueDepthCollector:
    """Reads the queue length from the broker at scrape time (nothing is stored between scrapes)."""

    def collect(self):
        from procurement.celery import app

        queue = app.conf.task_default_queue
        family = GaugeMetricFamily("baton_queue_depth", "Celery tasks waiting in the broker's queue.",
                                   labels=["queue"])
        try:
            family.add_metric([queue], queue_depth(queue))
        except Exception as exc:  # the broker is down: leave the gauge out rather than fail the whole page
            logger.warning("Queue depth unavailable (%s)", type(exc).__name__)
            return
        yield family


def exposition() -> bytes:
    """The text of the metrics page: every process's metrics (multiprocess mode) or this process's, plus the
    queue depth read now."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scrape_time = CollectorRegistry(auto_describe=False)
    scrape_time.register(QueueDepthCollector())
    return generate_latest(registry) + generate_latest(scrape_time)


def _bearer(request) -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


@login_not_required
@require_safe
def metrics_view(request) -> HttpResponse:
    expected = getattr(settings, "BATON_METRICS_TOKEN", "")
    if not expected:
        raise Http404("No metrics here.")
    if not hmac.compare_digest(_bearer(request).encode(), expected.encode()):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
