"""Notifications on PostgreSQL with a real worker: one row per event under a race, the email sent by the worker."""

import threading
import time

import pytest
from django.db import connections, transaction

from procurement.notifications.models import Notification
from procurement.notifications.services import notify
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_processes_telling_the_same_event_at_once_create_one_row():
    person = UserFactory()
    barrier = threading.Barrier(2)
    results: list = []

    def tell():
        try:
            with transaction.atomic():  # inside a caller's transaction, as services call it
                barrier.wait()
                row = notify(recipient=person, kind="breach", key="breach:race", subject="KPI breached")
                time.sleep(0.2)  # hold the transaction open so the other insert has to wait on the unique index
                results.append(row is not None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tell) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]
    assert Notification.objects.filter(recipient=person, key="breach:race").count() == 1


def test_the_worker_sends_the_email_once_after_commit(celery_worker_process):
    person = UserFactory()
    with transaction.atomic():
        row = notify(recipient=person, kind="pack_ready", key="pack:1", subject="Handoff pack ready",
                     url="/contracts/")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if row.email_status != Notification.Email.QUEUED:
            break
        time.sleep(0.2)
    assert row.email_status == Notification.Email.SENT and row.email_sent_at is not None
    assert row.email_attempts == 1
