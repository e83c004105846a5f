"""Periodic jobs run by `celery beat`: the jobs every app contributes (`Contributions.jobs`). Each entry names a
task; the task calls an idempotent service. `BEAT_SCHEDULE` is computed on first use (the apps must be loaded)."""

import os
from datetime import timedelta

from celery.schedules import crontab

from procurement.contributions import collect


def daily_schedule():
    """Once a day at 06:00 (CELERY_TIMEZONE). BATON_BEAT_DAILY_SECONDS=N runs the daily jobs every N seconds
    instead: the beat integration test uses it to watch a job fire twice. Leave it unset in production."""
    seconds = os.environ.get("BATON_BEAT_DAILY_SECONDS", "").strip()
    if seconds:
        return timedelta(seconds=max(1, int(seconds)))
    return crontab(hour=6, minute=0)


DAILY = daily_schedule()


def beat_schedule() -> dict[str, dict]:
    """name -> {"task", "schedule"} for every contributed job; a job without `every` runs DAILY."""
    from django.apps import apps

    if not apps.ready:  # a `celery beat` process may finalize the Celery app before Django is set up
        import django

        django.setup()
    return {job.name: {"task": job.task, "schedule": job.every if job.every is not None else DAILY}
            for job in collect().jobs}


def __getattr__(name: str):
    if name == "BEAT_SCHEDULE":
        return beat_schedule()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
