"""Proof that the integration leg talks to real PostgreSQL, real Redis and a separate worker process."""

import os
import threading
import time

import pytest
from django.db import connection, connections

from procurement.models import WorkerHeartbeat
from procurement.references import next_reference
from procurement.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def test_database_is_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_broker_is_a_live_redis():
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.ping() is True
    assert "redis_version" in client.info("server")


def test_a_task_runs_in_a_separate_worker_process(celery_worker_process):
    worker_heartbeat.delay()

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
        time.sleep(0.1)
    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.pid != os.getpid()
    assert not hasattr(WorkerHeartbeat, "history")  # written every minute: kept out of the audit trail


def test_concurrent_reference_numbers_never_collide():
    results: list[str] = []
    errors: list[BaseException] = []

    def take() -> None:
        try:
            for _ in range(5):
                results.append(next_reference("AP", year=2031))
        except BaseException as exc:  # pragma: no cover - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [f"AP-2031-{n:04d}" for n in range(1, 21)]
