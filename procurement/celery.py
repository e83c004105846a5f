"""The Celery application. Tasks are thin: ids in, a service does the work, idempotent."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")

app = Celery("procurement")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _install_beat_schedule(sender: Celery, **kwargs) -> None:
    from procurement.beat import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
