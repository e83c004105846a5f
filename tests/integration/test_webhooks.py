"""Webhooks end to end: events committed here, delivered by the real Celery worker through real Redis to the
receiver process (tests/webhook_receiver.py) on 127.0.0.1, which checks every signature. A receiver outage —
answering 500, then not running at all — loses nothing: once it is back, every delivery arrives, and is accepted
exactly once per delivery id.

The worker delivers to loopback with short back-off because of the environment tests/integration/conftest.py
gives it (tests.webhook_receiver.WORKER_ENV); this process gets the same settings for saving the subscription.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.request import Request, urlopen

import pytest
from django.db import transaction

from procurement.webhooks import services
from procurement.webhooks.models import Delivery, DeliveryAttempt
from tests.factories.accounts import UserFactory
from tests.security.figures import record
from tests.webhook_receiver import WORKER_ENV

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ["attestation.expired", "memo.approved", "award.notified", "contract.signed", "pack.acknowledged",
          "kpi.breached"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, *, timeout: float, what: str, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class ReceiverProcess:
    """tests/webhook_receiver.py as its own process, started and stopped by PID; what it received survives a
    restart (a JSON lines file)."""

    def __init__(self, folder: Path):
        self.port = _free_port()
        self.secret_file = folder / "secret"
        self.log = folder / "received.jsonl"
        self.output = folder / "receiver.out"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/baton"

    def start(self) -> None:
        with self.output.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "webhook_receiver.py"), "--port", str(self.port),
                 "--secret-file", str(self.secret_file), "--log", str(self.log)],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self._answers, timeout=10, what="the receiver to listen")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"the receiver exited; see {self.output}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def switch(self, mode: str) -> None:
        urlopen(Request(f"http://127.0.0.1:{self.port}/_control/{mode}", data=b"", method="POST"),  # noqa: S310
                timeout=2).read()

    def received(self) -> list[dict]:
        import json

        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    process = ReceiverProcess(tmp_path_factory.mktemp("webhook-receiver"))
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def subscription(receiver, settings, celery_worker_process):
    # this process saves the subscription under the rules the worker delivers by
    settings.BATON_WEBHOOK_ALLOW_HTTP = WORKER_ENV["BATON_WEBHOOK_ALLOW_HTTP"] == "true"
    settings.BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS = WORKER_ENV["BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS"].split(",")
    admin = UserFactory(username="webhooks-admin", is_staff=True, is_superuser=True)
    created, secret = services.subscription_create(actor=admin, url=receiver.url, events=EVENTS,
                                                   description="Integration receiver")
    receiver.secret_file.write_text(secret)
    return created


def publish(count: int) -> list[Delivery]:
    """`count` events, each committed in its own transaction as an app's service would."""
    from tests.factories.vendors import VendorFactory

    vendor = VendorFactory()
    made = []
    for n in range(count):
        with transaction.atomic():
            made += services.event_publish(event=EVENTS[n % len(EVENTS)], subject=vendor, data={"n": n})
    return made


def delivered(deliveries) -> bool:
    return Delivery.objects.filter(pk__in=[d.pk for d in deliveries],
                                   status=Delivery.Status.DELIVERED).count() == len(deliveries)


def accepted_once_each(receiver, deliveries) -> dict[str, int]:
    ids = {str(d.uid) for d in deliveries}
    accepted = Counter(r["delivery"] for r in receiver.received() if r["answered"] == 200 and r["delivery"] in ids)
    return {uid: accepted.get(uid, 0) for uid in ids}


def test_every_event_is_delivered_signed_and_verified_by_the_receiver(receiver, subscription):
    deliveries = publish(len(EVENTS))

    _wait(lambda: delivered(deliveries), timeout=15, what="every delivery to be delivered")

    mine = [r for r in receiver.received() if r["delivery"] in {str(d.uid) for d in deliveries}]
    assert sorted(r["event"] for r in mine) == sorted(EVENTS)
    assert all(r["signature_ok"] for r in mine)
    assert set(accepted_once_each(receiver, deliveries).values()) == {1}
    assert all(a.status_code == 200 and a.address == "127.0.0.1"
               for a in DeliveryAttempt.objects.filter(delivery__in=deliveries))
    record("webhook events delivered", len(deliveries))
    record("webhook events delivered/bad signatures", sum(not r["signature_ok"] for r in mine))


def test_a_receiver_outage_loses_nothing(receiver, subscription):
    receiver.switch("fail")  # first it answers 500 to everything
    deliveries = publish(12)
    ids = [d.pk for d in deliveries]

    _wait(lambda: DeliveryAttempt.objects.filter(delivery_id__in=ids, status_code=500)
          .values("delivery_id").distinct().count() == len(ids), timeout=15, what="a 500 for every delivery")
    receiver.stop()  # then it is not running at all
    _wait(lambda: DeliveryAttempt.objects.filter(delivery_id__in=ids, status_code__isnull=True).exists(),
          timeout=10, what="an attempt to find the receiver gone")
    assert not Delivery.objects.filter(pk__in=ids, status=Delivery.Status.DELIVERED).exists()
    receiver.start()
    receiver.switch("ok")

    _wait(lambda: delivered(deliveries), timeout=20, what="every delivery after the outage")

    counts = accepted_once_each(receiver, deliveries)
    mine = [r for r in receiver.received() if r["delivery"] in counts]
    lost = sum(1 for n in counts.values() if n == 0)
    assert lost == 0 and set(counts.values()) == {1}, counts
    assert all(r["signature_ok"] for r in mine)  # the retries were signed afresh, and correctly
    attempts = DeliveryAttempt.objects.filter(delivery_id__in=ids)
    assert attempts.filter(status_code=500).count() >= len(ids)
    assert attempts.filter(status_code__isnull=True).exists() and attempts.filter(status_code=200).count() == len(ids)
    record("webhook events delivered", len(deliveries))
    record("webhook events delivered/bad signatures", sum(not r["signature_ok"] for r in mine))
    record("webhook events delivered/lost in the outage", lost)
    record("webhook events delivered/retries during the outage", attempts.exclude(status_code=200).count())
