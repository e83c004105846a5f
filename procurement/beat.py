"""Periodic jobs run by `celery beat`. Each entry names a task; the task calls an idempotent service."""

from datetime import timedelta

BEAT_SCHEDULE: dict[str, dict] = {
    "worker-heartbeat": {
        "task": "procurement.tasks.worker_heartbeat",
        "schedule": timedelta(seconds=60),
    },
}
