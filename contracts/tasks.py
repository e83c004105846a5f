"""Daily contract jobs (scheduled through ContractsConfig.contributions). Thin: each calls an idempotent service."""

from celery import shared_task
from django.db import OperationalError


@shared_task(name="contracts.renewal_reminders", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5,
             max_retries=5)
def renewal_reminders() -> int:
    from contracts.services.reminders import renewal_reminders_send

    return renewal_reminders_send()


@shared_task(name="contracts.payments_check", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5,
             max_retries=5)
def payments_check() -> dict:
    from contracts.services.payments import payments_check as check

    return check()
