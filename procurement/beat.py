"""Periodic jobs run by `celery beat`. Each entry names a task; the task calls an idempotent service."""

from datetime import timedelta

BEAT_SCHEDULE: dict[str, dict] = {
    "worker-heartbeat": {
        "task": "procurement.tasks.worker_heartbeat",
        "schedule": timedelta(seconds=60),
    },
    # Rendered documents stuck waiting (broker was down) or mid-render (worker died) are queued again.
    "documents-sweep": {
        "task": "documents.sweep",
        "schedule": timedelta(seconds=60),
    },
}
