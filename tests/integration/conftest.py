"""The integration leg: real PostgreSQL, real Redis and a real `celery worker` process.

The test command starts PostgreSQL and Redis (see .ci/with-services) and exports DATABASE_URL and REDIS_URL.
This module starts one worker for the session, pointed at pytest-django's test database.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from tests.webhook_receiver import WORKER_ENV as WEBHOOK_WORKER_ENV  # the worker delivers webhooks to loopback

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def _reference_data_survives_flush(transactional_db):
    """Transactional tests flush the database; re-apply the seed migrations at the start of each test."""
    from procurement.seeding import reapply_seed_migrations

    reapply_seed_migrations()


def _test_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


_STARTED: list["Worker"] = []  # every worker this session started (the session's own and any test's)


def _worker_busy() -> bool | None:
    """True while a task waits in the queue or is reserved or running in a worker; None when that cannot be
    known (the broker is down, or no worker answers)."""
    from procurement.celery import app

    try:
        with app.connection_for_write() as fresh:
            queued = fresh.default_channel.client.llen(app.conf.task_default_queue)
            inspect = app.control.inspect(timeout=1.0, limit=1, connection=fresh)
            active, reserved = inspect.active(), inspect.reserved()
    except (ConnectionError, OSError, RedisError, KombuOperationalError):
        return None
    if active is None or reserved is None:
        return None
    return bool(queued) or any(tasks for tasks in (*active.values(), *reserved.values()))


@pytest.fixture(autouse=True)
def _worker_idle_before_the_flush(_reference_data_survives_flush):
    """After each test, wait (at most 30 s) until the worker has finished what the test queued: a task still
    writing while the database is flushed for the next test deadlocks the flush (TRUNCATE against the task's
    row locks), which then fails the next test too. Set up after the database fixture, so it ends before it."""
    yield
    if not any(worker.process and worker.process.poll() is None for worker in _STARTED):
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _worker_busy():
        time.sleep(0.05)


class Worker:
    """A celery worker subprocess; `restart()` and `kill()` let fault tests play with it."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "procurement", "worker", "--pool=prefork", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"baton-test-{os.getpid()}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        _STARTED.append(self)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30) -> None:
        from procurement.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early; see {self.log_path}")
            # A new broker connection for each ping, never a pooled one: a pooled connection that an earlier
            # test's Redis restart closed fails the ping with "Connection closed by server".
            try:
                with app.connection_for_write() as fresh:
                    if app.control.ping(timeout=0.5, connection=fresh):
                        return
            except (ConnectionError, OSError, RedisError, KombuOperationalError):
                time.sleep(0.2)
        raise RuntimeError(f"celery worker not ready after {timeout}s; see {self.log_path}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.fail("The integration leg needs DATABASE_URL (PostgreSQL) and REDIS_URL; run it via `make test`.")
    with django_db_blocker.unblock():
        # The worker stores files in a throwaway folder; tests that read them point their storage at
        # `celery_worker_process.env["PRIVATE_STORAGE_ROOT"]`.
        env = {**os.environ, "DATABASE_URL": _test_database_url(), "REDIS_URL": settings.REDIS_URL,
               "BATON_TESTING": "1", "PRIVATE_STORAGE_ROOT": str(tmp_path_factory.mktemp("private")),
               **WEBHOOK_WORKER_ENV}
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    worker = Worker(env, log_path).start()
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def _private_files_where_the_environment_says(settings):
    """The root conftest points every test's storage at a temporary folder; the integration leg stores where the
    environment says instead (the S3 bucket .ci/with-services started), as the worker process does."""
    import environ

    from procurement.conf import storage as conf_storage

    chosen = conf_storage.storages(environ.Env(), private_root=str(settings.PRIVATE_STORAGE_ROOT),
                                   static_backend="unused")
    settings.STORAGES = {**settings.STORAGES, "default": chosen["default"]}


@pytest.fixture
def worker_storage(settings, celery_worker_process):
    """The storage the worker writes to, shared with this process: the S3 bucket, or without S3_BUCKET the
    worker's own folder. Files the rows point at are deleted afterwards."""
    from django.core.files.storage import storages

    from procurement.documents.models import RenderedDocument
    from vendors.models import Evidence

    if not os.environ.get("S3_BUCKET"):
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": celery_worker_process.env["PRIVATE_STORAGE_ROOT"], "base_url": None}}}
    yield storages["default"]
    for model in (RenderedDocument, Evidence):
        for row in model.objects.exclude(file=""):
            row.file.storage.delete(row.file.name)
