"""A real `celery beat` process schedules the daily jobs (every 2 seconds through BATON_BEAT_DAILY_SECONDS), the
session's real worker runs them against PostgreSQL, and the reminders still go out once each."""

import datetime
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.utils import timezone

from contracts.models import Contract
from procurement.accounts.roles import Role
from procurement.beat import BEAT_SCHEDULE
from procurement.notifications.models import Notification
from tests.factories.accounts import UserFactory
from tests.factories.contracts import open_contract
from tests.factories.vendors import AttestationFactory
from tests.integration.conftest import ROOT
from vendors.models import Attestation, VendorTask

pytestmark = pytest.mark.django_db(transaction=True)

DAILY_TASKS = [entry["task"] for entry in BEAT_SCHEDULE.values()
               if entry["task"].startswith(("vendors.", "contracts."))]
FIRES = 2


def _count_successes(log_path, task_name: str) -> int:
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return sum(1 for line in text.splitlines() if f"Task {task_name}[" in line and " succeeded in " in line)


class Beat:
    def __init__(self, env, workdir):
        self.workdir = workdir
        self.log_path = workdir / "beat.log"
        self.schedule_path = workdir / "beat-schedule"
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "procurement", "beat", "--loglevel=INFO",
             f"--schedule={self.schedule_path}", f"--pidfile={workdir / 'beat.pid'}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def sent(self, task_name: str) -> int:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return sum(1 for line in text.splitlines() if "Sending due task" in line and f"({task_name})" in line)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for leftover in self.workdir.glob("beat-schedule*"):
            leftover.unlink()


@pytest.fixture
def beat(celery_worker_process, tmp_path):
    env = {**celery_worker_process.env, "BATON_BEAT_DAILY_SECONDS": "2"}
    process = Beat(env, tmp_path)
    yield process
    process.stop()
    from procurement.celery import app

    app.control.purge()  # what beat queued and the worker has not taken yet must not run in later tests


def test_beat_fires_the_daily_jobs_and_each_reminder_goes_out_once(beat, celery_worker_process):
    # given: an expired attestation of a vendor with an open contract, whose term ends within the renewal window
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    manager = UserFactory(roles=[Role.POST_AWARD_MANAGER])
    today = timezone.localdate()
    contract = open_contract(lead=lead, manager=manager, start_date=today - datetime.timedelta(days=300),
                             end_date=today + datetime.timedelta(days=20))
    contract.status = Contract.Status.SIGNED
    contract._change_reason = "test: signed"
    contract.save()
    vendor = contract.vendor
    attestation = AttestationFactory(vendor=vendor, issued_on=today - datetime.timedelta(days=400),
                                     expires_on=today - datetime.timedelta(days=1))
    assert "vendors.attestations_daily" in DAILY_TASKS

    # when: beat sends every daily job at least twice and the worker has finished them
    deadline = time.monotonic() + 120
    worker_log = celery_worker_process.log_path
    while time.monotonic() < deadline:
        assert beat.process.poll() is None, beat.log_path.read_text(errors="replace")
        if all(_count_successes(worker_log, name) >= FIRES for name in DAILY_TASKS):
            break
        time.sleep(0.5)
    fired = {name: (beat.sent(name), _count_successes(worker_log, name)) for name in DAILY_TASKS}
    problems = [line for line in worker_log.read_text(errors="replace").splitlines()
                if "ERROR" in line or "raised" in line or "Retry" in line or "Error" in line][-20:]
    assert all(sent >= FIRES and done >= FIRES for sent, done in fired.values()), (fired, problems)
    beat.stop()
    assert beat.process.returncode is not None
    assert not list(beat.workdir.glob("beat-schedule*"))

    # then: the attestation was marked once, one refresh task is open, owner and manager were told once each
    attestation.refresh_from_db()
    assert attestation.recorded_state == Attestation.State.EXPIRED
    assert attestation.history.filter(recorded_state=Attestation.State.EXPIRED).count() == 1
    assert VendorTask.objects.filter(attestation=attestation, kind=VendorTask.Kind.ATTESTATION_REFRESH).count() == 1
    told = Notification.objects.filter(key=f"attestation:{attestation.pk}:expired")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([vendor.owner_id, manager.pk])
    # the emails went through the outbox: each sent once by the worker
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and told.exclude(email_status=Notification.Email.SENT).exists():
        time.sleep(0.3)
    assert set(told.values_list("email_status", flat=True)) == {Notification.Email.SENT}

    # and the contracts' daily renewal reminder (when scheduled) reached each person once
    if "contracts.renewal_reminders" in DAILY_TASKS:
        renewal = Notification.objects.filter(kind="renewal_notice")
        per_person = Counter(renewal.values_list("recipient_id", "key"))
        assert renewal.filter(recipient=manager).exists()
        assert set(per_person.values()) == {1}
