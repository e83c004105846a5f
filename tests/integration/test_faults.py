"""Faults with real processes: PostgreSQL, Redis and `celery worker` processes, broken on purpose.

Already covered in tests/integration/test_documents.py (not repeated here): the whole worker SIGKILLed mid-render
and replaced; Redis stopped while a document is requested. Added here:
- only the worker's pool child killed mid-render: the task is redelivered, the document ends READY with one file;
- Redis stopped while a memo is submitted and approved in the pages: pages work, the memo PDF waits PENDING and
  renders once Redis is back;
- a render exceeding its time limit (a worker started with low limits, a document far too large): FAILED with a
  readable error, and the same worker renders the next document;
- a render that ignores its soft limit and is killed at the hard one: the sweeper queues it again until its
  attempts run out, it ends FAILED (never RENDERING for ever), and the worker renders the next document;
- a database error in the middle of a service: nothing half-written, no task queued.
Each injected fault is counted in the figures ("faults injected").
"""

import os
import signal
import subprocess
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.db import IntegrityError
from django.urls import reverse

from awards import services as awards
from awards.models import DecisionMemo, MemoVersion
from procurement.accounts.roles import Role
from procurement.documents import services
from procurement.documents.models import RenderedDocument
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo
from tests.factories.vendors import VendorFactory
from tests.integration import limit_kinds
from tests.integration.conftest import Worker
from tests.integration.test_documents import _start_redis, _stop_redis, wait_for
from tests.security.figures import record

pytestmark = pytest.mark.django_db(transaction=True)
S = RenderedDocument.Status
_LIMIT_KINDS = limit_kinds.__name__  # the same kind in this process and, through the environment, in the worker


def _files_of(storage, doc: RenderedDocument) -> list[str]:
    """The stored files of this version of the document (in the bucket, or the worker's folder)."""
    return sorted(name for name in storage.listdir(f"documents/{doc.kind}")[1]
                  if name.startswith(f"{doc.pk}-v{doc.version}-"))


def _pool_children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in out.stdout.split()]


def _log_tail(worker, lines: int = 60) -> str:
    try:
        return "\n".join(worker.log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _sweep_until_done(pk: int, timeout: float = 120) -> RenderedDocument:
    """What beat does every minute, without the wait: re-queue stuck rows until the document is done.

    A row counts as lost mid-render only after 20 s, well past a slow render on a loaded machine: sweeping a
    render that is merely slow would queue it again and spend its attempts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        services.document_sweep(pending_after=timedelta(seconds=0), rendering_after=timedelta(seconds=20))
        try:
            return wait_for(pk, S.READY, S.FAILED, timeout=4)
        except AssertionError:
            continue
    return RenderedDocument.objects.get(pk=pk)


def test_the_pool_child_killed_mid_render_ends_ready_with_one_file(lead, worker_storage, celery_worker_process):
    vendor = VendorFactory(owner=lead, legal_name="Child Killed Ltd")
    doc = services.document_request(kind="test_slow_note", source=vendor, actor=lead)
    wait_for(doc.pk, S.RENDERING)
    children = _pool_children(celery_worker_process.pid)
    assert children, "the prefork worker should have a pool child"

    os.kill(children[0], signal.SIGKILL)  # the child dies mid-render; the worker's main process lives on
    record("faults injected")

    doc = _sweep_until_done(doc.pk)
    assert doc.status == S.READY, f"{doc.status} {doc.error!r}; worker log:\n{_log_tail(celery_worker_process)}"
    assert celery_worker_process.process.poll() is None, "the worker itself must survive its child"
    time.sleep(1.0)  # a redelivered duplicate, if any, has time to run
    doc.refresh_from_db()
    assert doc.status == S.READY
    assert _files_of(worker_storage, doc) == [Path(doc.file.name).name]
    assert list(doc.history.values_list("status", flat=True)).count(S.READY) == 1
    record("faults injected/lost documents", 0)


@pytest.mark.parametrize("kind, trading_name", [
    ("test_slow_note", "slow"),  # its data takes 3 s to assemble (Python code the soft limit interrupts)
    ("test_note", "rows 4000"),  # a table far too long to lay out in 2 s
], ids=["slow-data", "huge-document"])
def test_a_render_over_its_time_limit_fails_readably_and_the_worker_renders_the_next(
        lead, worker_storage, celery_worker_process, tmp_path_factory, kind, trading_name):
    # given: the session's worker stopped, and a worker of our own whose render limits are a few seconds. Only
    # the worker's environment is lowered: this process queues the task with its own defaults, so this also
    # checks that the worker's limits are the ones applied (the queued message carries none, see enqueue_render)
    celery_worker_process.stop()
    env = {**celery_worker_process.env, "BATON_RENDER_SOFT_TIME_LIMIT": "2", "BATON_RENDER_HARD_TIME_LIMIT": "10"}
    limited = Worker(env, tmp_path_factory.mktemp("limited-worker") / "worker.log")
    try:
        limited.start()
        huge = VendorFactory(owner=lead, legal_name="Endless Tables Ltd", trading_name=trading_name)
        small = VendorFactory(owner=lead, legal_name="Small Note Ltd")

        # when: a document that takes longer than the limit is rendered, then a small one
        doc = services.document_request(kind=kind, source=huge, actor=lead)
        record("faults injected")
        try:
            doc = wait_for(doc.pk, S.READY, S.FAILED, timeout=60)
            nxt = wait_for(services.document_request(kind="test_note", source=small, actor=lead).pk, S.READY,
                           S.FAILED, timeout=60)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; worker log:\n{_log_tail(limited)}") from None

        # then: the large one FAILED with a message a person can read; the same worker rendered the next one
        assert doc.status == S.FAILED
        assert "took longer than 2 seconds" in doc.error
        assert doc.attempts == 1, "a render stopped by its soft limit fails once; it is not retried"
        assert not doc.file
        assert nxt.status == S.READY, nxt.error
        assert limited.process.poll() is None
        record("faults injected/lost documents", 0)
    finally:
        limited.stop()
        celery_worker_process.start()


def test_a_render_past_its_hard_limit_is_retried_then_failed_and_the_worker_renders_the_next(
        lead, worker_storage, celery_worker_process, tmp_path_factory):
    # given: a worker of our own with a 1 s soft and 3 s hard limit that also knows a document kind which shrugs
    # off the soft limit (as a render stuck in native code would), so only the hard limit, killing the child,
    # ends it. As above, only the worker's environment carries the limits.
    celery_worker_process.stop()
    kinds = ",".join(filter(None, [celery_worker_process.env.get("BATON_DOCUMENT_KIND_MODULES"), _LIMIT_KINDS]))
    env = {**celery_worker_process.env, "BATON_RENDER_SOFT_TIME_LIMIT": "1", "BATON_RENDER_HARD_TIME_LIMIT": "3",
           "BATON_DOCUMENT_KIND_MODULES": kinds}
    limited = Worker(env, tmp_path_factory.mktemp("hard-limited-worker") / "worker.log")
    try:
        limited.start()
        stuck = VendorFactory(owner=lead, legal_name="Never Finishes Ltd")
        small = VendorFactory(owner=lead, legal_name="Small Note Ltd")

        # when: the document is requested, and the sweeper runs as beat would, treating a render as lost once it
        # is older than the worker's hard limit plus a margin (documents.conf.stuck_rendering_after)
        doc = services.document_request(kind="test_unstoppable_note", source=stuck, actor=lead)
        record("faults injected")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            services.document_sweep(pending_after=timedelta(minutes=5), rendering_after=timedelta(seconds=5))
            doc.refresh_from_db()
            if doc.status in (S.READY, S.FAILED):
                break
            time.sleep(0.5)
        try:
            nxt = wait_for(services.document_request(kind="test_note", source=small, actor=lead).pk, S.READY,
                           S.FAILED, timeout=60)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; worker log:\n{_log_tail(limited)}") from None

        # then: each attempt was killed at the hard limit, the sweeper queued it again until the attempts ran out,
        # and it ended FAILED with a readable reason instead of RENDERING for ever; the worker lived on
        assert doc.status == S.FAILED, f"{doc.status}; worker log:\n{_log_tail(limited)}"
        assert doc.attempts == 3
        assert "attempted 3 times and never finished" in doc.error
        assert not doc.file
        log = limited.log_path.read_text(errors="replace")
        assert log.count("Hard time limit (3s) exceeded") == 3, _log_tail(limited)
        assert list(doc.history.values_list("status", flat=True)).count(S.RENDERING) == 3
        assert nxt.status == S.READY, nxt.error
        assert limited.process.poll() is None
        record("faults injected/lost documents", 0)
    finally:
        limited.stop()
        celery_worker_process.start()


def test_redis_down_while_a_memo_is_submitted_and_approved_then_it_renders(client, worker_storage,
                                                                             tmp_path_factory):
    # given: a written memo and an approver whose committee alone routes a memo of this value
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    approver = UserFactory(roles=[Role.COMMITTEE_APPROVER])
    committee(PM, approver, quorum=1)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    memo = written_memo(shortlisted_procedure(lead=lead, value=Decimal("50000")))
    port = int(os.environ["BATON_REDIS_PORT"])

    # when: Redis stops, the lead submits the memo and the approver signs it, all through the pages
    _stop_redis(port)
    record("faults injected")
    try:
        client.force_login(lead)
        started = time.monotonic()
        submitted = client.post(reverse("awards:memo_submit", args=[memo.reference]), {"confirm": "yes"})
        detail = client.get(reverse("awards:memo_detail", args=[memo.reference]))
        client.force_login(approver)
        signed = client.post(reverse("awards:memo_sign", args=[memo.reference]), {
            "decision": "approve", "password": TEST_PASSWORD, "confirm": "on"})
        elapsed = time.monotonic() - started

        # then: every page answered, the memo is approved, its PDF waits PENDING
        assert submitted.status_code == 302 and detail.status_code == 200
        assert signed.status_code == 302, signed.content.decode()[:500]
        assert elapsed < 15, f"pages took {elapsed:.1f}s with Redis down"
        memo.refresh_from_db()
        assert memo.status == DecisionMemo.Status.APPROVED
        doc = RenderedDocument.objects.get(kind="award_memo")
        assert doc.status == S.PENDING
    finally:
        _start_redis(port, Path(os.environ.get("BATON_SERVICES_DIR") or tmp_path_factory.mktemp("redis")))

    # and once Redis is back the sweeper queues it again and the worker renders it, once
    doc = _sweep_until_done(doc.pk)
    assert doc.status == S.READY, doc.error
    assert _files_of(worker_storage, doc) == [Path(doc.file.name).name]
    record("faults injected/lost documents", 0)


def test_a_database_error_mid_service_leaves_nothing_half_written_and_queues_nothing(worker_storage):
    # given: a written memo, and a failure injected after the memo and its version were written in memo_submit
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    committee(PM, UserFactory(roles=[Role.COMMITTEE_APPROVER]), quorum=1)
    memo = written_memo(shortlisted_procedure(lead=lead, value=Decimal("50000")))
    vendor = VendorFactory(owner=lead, legal_name="Never Rendered Ltd")
    memo_rows, version_rows = memo.history.count(), MemoVersion.objects.count()

    def route_open_then_fail(*, memo, version, actor):
        services.document_request(kind="test_note", source=vendor, actor=lead)  # a side effect for on_commit
        raise IntegrityError("injected: a constraint was violated after the memo was written")

    # when
    with mock.patch("awards.services.approval.approval_route_open", route_open_then_fail), \
            mock.patch.object(services, "enqueue_render", wraps=services.enqueue_render) as enqueue, \
            pytest.raises(IntegrityError):
        awards.memo_submit(actor=lead, memo=memo)
    record("faults injected")

    # then: the memo is still a draft at the same version, no version or history row, no document, nothing queued
    time.sleep(0.5)
    stored = DecisionMemo.objects.get(pk=memo.pk)
    assert stored.status == DecisionMemo.Status.DRAFT and stored.version == memo.version
    assert memo.history.count() == memo_rows
    assert MemoVersion.objects.count() == version_rows
    assert not RenderedDocument.objects.exists()
    enqueue.assert_not_called()
    record("faults injected/partial writes", 0)
