"""Rendered documents against the real services: PostgreSQL, Redis and a separate `celery worker` process.

The worker imports the test-only document kinds (tests.documents.kinds) through BATON_DOCUMENT_KIND_MODULES,
set below before the session's worker starts. The worker stores files under the PRIVATE_STORAGE_ROOT it was
started with, so these tests point this process's storage there too (and delete what they stored).

Fault tests: the worker is SIGKILLed mid-render and replaced; Redis is stopped and started again. The Redis that
replaces the one .ci/with-services started is a child of this pytest process with a parent-death signal, and is
also terminated at exit, so it never outlives the test run; .ci/with-services then only cleans up its own
(already stopped) Redis and PostgreSQL.
"""

import atexit
import ctypes
import io
import os
import signal
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pypdf
import pytest
from django.urls import reverse

_KINDS = "tests.documents.kinds"
_existing = os.environ.get("BATON_DOCUMENT_KIND_MODULES", "")
if _KINDS not in _existing.split(","):
    os.environ["BATON_DOCUMENT_KIND_MODULES"] = ",".join(filter(None, [_existing, _KINDS]))

import tests.documents.kinds  # noqa: E402,F401 - the same kinds in this process
from procurement.documents import services  # noqa: E402
from procurement.documents.models import RenderedDocument  # noqa: E402
from procurement.documents.tasks import render_document  # noqa: E402
from tests.documents.dossier_data import full_vendor  # noqa: E402
from tests.documents.test_fetcher import Listener  # noqa: E402
from tests.factories.vendors import VendorFactory  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)
S = RenderedDocument.Status
TIMINGS: dict[str, float] = {}




def wait_for(pk: int, *statuses: str, timeout: float = 30) -> RenderedDocument:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = RenderedDocument.objects.filter(pk=pk).first()
        if doc is not None and doc.status in statuses:
            return doc
        time.sleep(0.05)
    doc = RenderedDocument.objects.get(pk=pk)
    raise AssertionError(f"document {pk} is {doc.status} (wanted {statuses}); error: {doc.error!r}")


def read_pdf(content: bytes) -> tuple[str, int, pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(p.extract_text() for p in reader.pages), len(reader.pages), reader


def test_a_dossier_requested_in_the_page_is_rendered_by_the_worker_and_downloaded(client, lead, stranger,
                                                                                 worker_storage):
    vendor = full_vendor(lead)
    client.force_login(lead)

    started = time.monotonic()
    response = client.post(reverse("documents:request", args=["vendor_dd_dossier", vendor.pk]))
    doc = RenderedDocument.objects.get()
    doc = wait_for(doc.pk, S.READY, S.FAILED)
    TIMINGS["dossier round trip (request to READY)"] = time.monotonic() - started

    assert response.status_code == 302
    assert doc.status == S.READY, doc.error
    download = client.get(reverse("documents:download", args=[doc.pk]))
    text, pages, _ = read_pdf(b"".join(download.streaming_content))
    flat = text.replace("\n", " ")
    assert download["Content-Disposition"] == 'attachment; filename="lumen-dd-dossier-v1.pdf"'
    assert pages == doc.page_count and pages >= 2
    assert "Lumen Models Ltd" in flat and "High" in flat
    shas = list(vendor.evidence.values_list("sha256", flat=True))
    assert len(shas) == 2 and all(sha in flat for sha in shas)
    assert "Model deprecation without notice" in flat and "Prompt data retained for training" in flat
    history = list(doc.history.order_by("history_date").values_list("status", flat=True))
    assert history == [S.PENDING, S.RENDERING, S.READY]

    client.force_login(stranger)
    assert client.get(reverse("documents:status", args=["vendor_dd_dossier", vendor.pk])).status_code == 404
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404


def test_hostile_narrative_renders_without_any_fetch_or_embedded_file(lead, worker_storage):
    listener = Listener()
    try:
        base = f"http://127.0.0.1:{listener.port}"
        description = (
            f'Intro text.\n\n<img src="{base}/x.png">\n\n![remote]({base}/md.png)\n\n'
            f"[passwd](file:///etc/passwd) and <a href=\"file:///etc/passwd\">raw passwd</a>\n\n"
            f'<style>body {{ background: url("{base}/bg.png") }}</style>\n\n'
            f'<div style="background-image: url({base}/inline.png)">styled</div>\n\n'
            f'<a rel="attachment" href="{base}/attach.bin">attachment</a> '
            f'<a rel="attachment" href="file:///etc/passwd">attached passwd</a>'
        )
        vendor = full_vendor(lead, legal_name="Hostile Narrative Ltd", description=description)
        doc = services.document_request(kind="vendor_dd_dossier", source=vendor, actor=lead)
        doc = wait_for(doc.pk, S.READY, S.FAILED)

        assert doc.status == S.READY, doc.error
        with doc.file.open("rb") as handle:
            content = handle.read()
        text, _, reader = read_pdf(content)
        assert "Hostile Narrative Ltd" in text and "Intro text." in text
        assert reader.attachments == {}
        assert b"root:x:0:0" not in content
        time.sleep(0.3)  # give a stray connection time to land before looking
        assert listener.connections == 0
    finally:
        listener.close()


def test_duplicate_requests_and_tasks_render_one_file(lead, worker_storage):
    vendor = VendorFactory(owner=lead, legal_name="Twice Ltd")
    started = time.monotonic()
    first = services.document_request(kind="test_note", source=vendor, actor=lead)
    second = services.document_request(kind="test_note", source=vendor, actor=lead)
    for _ in range(3):
        render_document.delay(first.pk)

    doc = wait_for(first.pk, S.READY, S.FAILED)
    TIMINGS["one-page note round trip (warm worker)"] = time.monotonic() - started
    time.sleep(1.0)  # let the duplicate tasks run to completion too

    doc.refresh_from_db()
    assert second.pk == first.pk and doc.status == S.READY and doc.attempts == 1
    assert RenderedDocument.objects.count() == 1
    stored = [name for name in worker_storage.listdir("documents/test_note")[1] if name.startswith(f"{doc.pk}-v1-")]
    assert stored == [Path(doc.file.name).name]
    assert list(doc.history.values_list("status", flat=True)).count(S.READY) == 1


def test_concurrent_claims_let_exactly_one_worker_render(lead):
    import threading

    from django.db import connections

    vendor = VendorFactory(owner=lead, legal_name="Race Ltd")
    with mock.patch.object(services, "enqueue_render"):  # no worker involved: the threads race for the row
        doc = services.document_request(kind="test_note", source=vendor, actor=lead)
    barrier = threading.Barrier(6)
    claimed: list[int | None] = []

    def claim():
        try:
            barrier.wait()
            row = services.document_claim(document_id=doc.pk)
            claimed.append(row.attempts if row else None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(claimed, key=lambda a: a or 0) == [None] * 5 + [1]
    doc.refresh_from_db()
    assert doc.status == S.RENDERING and doc.attempts == 1
    assert list(doc.history.values_list("status", flat=True)).count(S.RENDERING) == 1


def test_a_worker_killed_mid_render_is_replaced_and_the_document_still_ends_ready(lead, worker_storage,
                                                                                celery_worker_process):
    vendor = VendorFactory(owner=lead, legal_name="Killed Mid Render Ltd")
    doc = services.document_request(kind="test_slow_note", source=vendor, actor=lead)
    wait_for(doc.pk, S.RENDERING)

    celery_worker_process.kill(signal.SIGKILL)  # the whole worker, mid-render
    assert RenderedDocument.objects.get(pk=doc.pk).status == S.RENDERING
    celery_worker_process.start()
    counts = services.document_sweep(rendering_after=timedelta(seconds=0))  # what beat does, without the wait

    doc = wait_for(doc.pk, S.READY, S.FAILED, timeout=40)
    assert counts["rendering"] == 1
    assert doc.status == S.READY and doc.attempts == 2, doc.error
    reasons = list(doc.history.values_list("history_change_reason", flat=True))
    assert "The worker stopped mid-render; queued again" in reasons


def _set_parent_death_signal() -> None:  # runs in the child between fork and exec
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _stop_redis(port: int) -> None:
    """Stop whichever redis-server answers on the port: the leg's own, or one an earlier test restarted."""
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False)
    deadline = time.monotonic() + 10
    while _redis_answers(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _redis_answers(port), "redis did not stop"


def _start_redis(port: int, log_dir: Path) -> subprocess.Popen:
    log = open(log_dir / "redis-restarted.log", "ab")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--daemonize", "no"],
        stdout=log, stderr=subprocess.STDOUT, preexec_fn=_set_parent_death_signal,
    )
    atexit.register(lambda: process.poll() is None and (process.terminate(), process.wait(5)))
    deadline = time.monotonic() + 10
    while not _redis_answers(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _redis_answers(port), "redis did not come back"
    return process


def test_redis_down_keeps_the_page_working_and_the_sweeper_renders_once_it_is_back(client, lead, worker_storage,
                                                                                  tmp_path_factory):
    port = int(os.environ["BATON_REDIS_PORT"])
    vendor = VendorFactory(owner=lead, legal_name="Broker Outage Ltd")
    client.force_login(lead)
    _stop_redis(port)
    try:
        started = time.monotonic()
        response = client.post(reverse("documents:request", args=["test_note", vendor.pk]), HTTP_HX_REQUEST="true")
        TIMINGS["request with Redis down"] = time.monotonic() - started
        page = client.get(reverse("documents:status", args=["test_note", vendor.pk]))

        doc = RenderedDocument.objects.get()
        assert response.status_code == 200 and "Waiting for the renderer" in response.content.decode()
        assert TIMINGS["request with Redis down"] < 3, "queuing must fail fast, not retry for seconds"
        assert page.status_code == 200
        assert doc.status == S.PENDING
    finally:
        _start_redis(port, Path(os.environ.get("BATON_SERVICES_DIR") or tmp_path_factory.mktemp("redis")))

    # Beat runs the sweeper every minute; here we run it until the worker (reconnected) has rendered the row.
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        services.document_sweep(pending_after=timedelta(seconds=0))
        try:
            doc = wait_for(doc.pk, S.READY, S.FAILED, timeout=3)
            break
        except AssertionError:
            continue
    assert doc.status == S.READY, f"still {doc.status} after Redis came back"
    assert doc.history.filter(history_change_reason="Still waiting; queued again").exists()


def test_zz_report_timings(capsys):
    """Not a check: prints what the tests above measured (run with -s to see it)."""
    with capsys.disabled():
        for label, seconds in TIMINGS.items():
            print(f"\n[documents timing] {label}: {seconds:.2f} s")
