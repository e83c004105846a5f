"""The Celery application. Tasks are thin: ids in, a service does the work, idempotent."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")

app = Celery("procurement")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_django_logging(**kwargs) -> None:
    """The worker logs through Django's LOGGING (procurement.conf.observability: plain or JSON, with the request
    id of the request that queued the task) instead of Celery's own format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


def _carry_request_context(celery_app: Celery) -> None:
    """django-structlog's worker step: each task binds the context (request_id, user_id) that the queuing
    process put in its message headers, and logs its start, success or failure with it."""
    from django_structlog.celery.steps import DjangoStructLogInitStep

    celery_app.steps["worker"].add(DjangoStructLogInitStep)


_carry_request_context(app)


@app.on_after_finalize.connect
def _install_beat_schedule(sender: Celery, **kwargs) -> None:
    from procurement.beat import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
