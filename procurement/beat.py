"""Periodic jobs run by `celery beat`. Each entry names a task; the task calls an idempotent service."""

import os
from datetime import timedelta

from celery.schedules import crontab


def daily_schedule():
    """Once a day at 06:00 (CELERY_TIMEZONE). BATON_BEAT_DAILY_SECONDS=N runs the daily jobs every N seconds
    instead: the beat integration test uses it to watch a job fire twice. Leave it unset in production."""
    seconds = os.environ.get("BATON_BEAT_DAILY_SECONDS", "").strip()
    if seconds:
        return timedelta(seconds=max(1, int(seconds)))
    return crontab(hour=6, minute=0)


DAILY = daily_schedule()

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
    # Contracts (issue 9): notice/renewal reminders, late invoices and over-cap usage forecasts, once a day.
    "contracts-renewal-reminders": {
        "task": "contracts.renewal_reminders",
        "schedule": DAILY,
    },
    "contracts-payments-check": {
        "task": "contracts.payments_check",
        "schedule": DAILY,
    },
    # Vendors (issue 9): attestations expiring or expired, and tiers due for reassessment, once a day.
    "vendors-attestations-daily": {
        "task": "vendors.attestations_daily",
        "schedule": DAILY,
    },
    "vendors-reassessment-daily": {
        "task": "vendors.reassessment_daily",
        "schedule": DAILY,
    },
    # Notification emails whose queueing failed (broker down at commit) are queued again.
    "notifications-sweep": {
        "task": "notifications.sweep",
        "schedule": timedelta(minutes=5),
    },
    # Evaluators hear about an approaching scoring deadline (once per person and deadline).
    "notifications-scoring-deadlines": {
        "task": "notifications.deadlines",
        "schedule": timedelta(hours=1),
    },
}
