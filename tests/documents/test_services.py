"""The job-row pipeline on the embedded default (SQLite, eager Celery): request, render, dedupe, stale, fail,
retry, sweep, broker outage."""

import io
import logging
import zipfile
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from procurement.audit.history import attribute
from procurement.documents import services
from procurement.documents.models import RenderedDocument
from procurement.documents.tasks import render_document

pytestmark = pytest.mark.django_db
S = RenderedDocument.Status


def request(vendor, actor, kind="test_note"):
    return services.document_request(kind=kind, source=vendor, actor=actor)


def stored_files() -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdf_text(doc: RenderedDocument) -> tuple[str, int]:
    with doc.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_a_request_creates_a_pending_row_and_queues_the_render_on_commit(vendor, lead,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        doc = request(vendor, lead)

    assert doc.status == S.PENDING and doc.version == 1 and doc.attempts == 0
    assert doc.requested_by == lead and doc.source == vendor
    assert len(callbacks) == 1  # nothing is queued until the transaction commits
    assert doc.history.count() == 1 and doc.history.first().history_user == lead

    callbacks[0]()  # eager Celery: the task runs here
    doc.refresh_from_db()
    assert doc.status == S.READY
    assert doc.attempts == 1 and doc.page_count == 1 and doc.size == len(doc.file.read())
    text, pages = pdf_text(doc)
    assert "Note on Quill Analytics Ltd" in text and "page 1 of 1" in text
    assert doc.source_hash in text.replace("\n", "")  # the footer carries the source hash
    assert doc.file_name == "note-on-quill-analytics-ltd-note-v1.pdf"
    statuses = [h.status for h in doc.history.order_by("history_date")]
    assert statuses == [S.PENDING, S.RENDERING, S.READY]


def test_requesting_twice_for_the_same_source_renders_once(vendor, lead, render_calls,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = request(vendor, lead)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = request(vendor, lead)

    assert second.pk == first.pk and callbacks == []
    assert len(render_calls) == 1
    assert RenderedDocument.objects.count() == 1


def test_running_the_task_twice_for_a_row_stores_one_file(vendor, lead, render_calls,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        doc = request(vendor, lead)

    render_document(doc.pk)
    render_document(doc.pk)
    render_document.delay(doc.pk)

    doc.refresh_from_db()
    assert doc.status == S.READY and doc.attempts == 1
    assert len(render_calls) == 1
    assert [p.name for p in stored_files()] == [Path(doc.file.name).name]


def test_a_changed_source_makes_a_new_version_and_the_old_one_stale(vendor, lead,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        v1 = request(vendor, lead)
    vendor.description = "Now also *translates*."
    attribute(vendor, actor=lead, reason="test edit")
    vendor.save()

    with django_capture_on_commit_callbacks(execute=True):
        v2 = request(vendor, lead)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status, v2.version) == (S.STALE, S.READY, 2)
    assert v1.source_hash != v2.source_hash
    assert v1.history.first().history_change_reason.startswith("The source changed")
    assert "translates" in pdf_text(v2)[0]


def test_a_failing_render_is_failed_with_a_readable_error_and_can_be_retried(vendor, lead, caplog,
                                                                             django_capture_on_commit_callbacks):
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        doc = request(vendor, lead, kind="test_broken")

    doc.refresh_from_db()
    assert doc.status == S.FAILED and not doc.file
    assert "could not be rendered" in doc.error and "the template data could not be assembled" in doc.error
    assert "Traceback" in caplog.text  # the full traceback goes to the log, not to the person

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = services.document_retry(document=doc, actor=lead)
    assert again.pk == doc.pk and again.status == S.PENDING and again.attempts == 0 and again.error == ""
    assert len(callbacks) == 1


def test_a_person_without_access_cannot_request(vendor, stranger, auditor):
    with pytest.raises(Http404):
        request(vendor, stranger)
    assert RenderedDocument.objects.count() == 0


def test_request_action_is_checked_for_seen_sources(vendor, auditor):
    from tests.documents.kinds import NOTE

    object.__setattr__(NOTE, "request_action", "edit")
    try:
        with pytest.raises(PermissionDenied):
            request(vendor, auditor)
    finally:
        object.__setattr__(NOTE, "request_action", "view")


def test_a_broker_outage_never_breaks_the_request(vendor, lead, caplog, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(render_document, "apply_async", broker_down)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        doc = request(vendor, lead)

    doc.refresh_from_db()
    assert doc.status == S.PENDING
    assert "stays waiting and the sweeper will queue it again" in caplog.text


def test_the_sweeper_requeues_rows_stuck_waiting(vendor, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        doc = request(vendor, lead)  # the message was lost
    later = timezone.now() + timedelta(minutes=5)

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.document_sweep(now=later)

    doc.refresh_from_db()
    assert counts == {"pending": 1, "rendering": 0}
    assert doc.status == S.READY
    assert doc.history.filter(history_change_reason="Still waiting; queued again").exists()


def test_the_sweeper_leaves_fresh_rows_alone(vendor, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        doc = request(vendor, lead)
    assert services.document_sweep() == {"pending": 0, "rendering": 0}
    doc.refresh_from_db()
    assert doc.status == S.PENDING and doc.history.count() == 1


def test_a_render_interrupted_by_a_dead_worker_is_retried_then_given_up(vendor, lead, settings,
                                                                        django_capture_on_commit_callbacks):
    settings.BATON_DOCUMENT_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=False):
        doc = request(vendor, lead)
    later = timezone.now()
    for _ in range(2):  # the worker claims the row, then dies without a word
        services.document_claim(document_id=doc.pk)
        later += timedelta(minutes=10)
        with django_capture_on_commit_callbacks(execute=False):
            services.document_sweep(now=later)
        doc.refresh_from_db()

    assert doc.status == S.FAILED and doc.attempts == 2
    assert "attempted 2 times" in doc.error
    reasons = list(doc.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons.count("The worker stopped mid-render; queued again") == 1
    assert reasons[-1] == "Gave up after 2 attempts"


def test_a_stale_claim_is_taken_over_by_a_redelivered_task(vendor, lead, settings,
                                                           django_capture_on_commit_callbacks):
    settings.BATON_DOCUMENT_STUCK_RENDERING_AFTER = timedelta(seconds=0)
    with django_capture_on_commit_callbacks(execute=False):
        doc = request(vendor, lead)
    services.document_claim(document_id=doc.pk)  # a worker that then died

    render_document(doc.pk)  # the broker redelivers the message

    doc.refresh_from_db()
    assert doc.status == S.READY and doc.attempts == 2


def test_a_source_changed_between_request_and_render_renders_the_new_version(vendor, lead,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        doc = request(vendor, lead)
    vendor.description = "Changed while queued."
    attribute(vendor, actor=lead, reason="test edit")
    vendor.save()

    with django_capture_on_commit_callbacks(execute=True):
        render_document(doc.pk)

    doc.refresh_from_db()
    newer = RenderedDocument.objects.exclude(pk=doc.pk).get()
    assert doc.status == S.STALE and newer.version == 2 and newer.status == S.READY
    assert newer.requested_by == lead
    assert "Changed while queued." in pdf_text(newer)[0]


def test_a_zip_kind_stores_the_pdf_with_its_data_files(vendor, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = request(vendor, lead, kind="test_pack")

    doc.refresh_from_db()
    assert doc.status == S.READY and doc.file_name.endswith("-pack-v1.zip")
    with doc.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert names == ["pack-for-quill-analytics-ltd-pack-v1.pdf", "rows.csv", "dates.ics"]
    assert archive.read("rows.csv").startswith(b"n,label\r\n1,Quill Analytics Ltd item 1")
    reader = pypdf.PdfReader(io.BytesIO(archive.read(names[0])))
    assert doc.page_count == len(reader.pages) == 1


def test_long_tables_repeat_their_header_and_number_pages(lead, django_capture_on_commit_callbacks):
    from tests.factories.vendors import VendorFactory

    vendor = VendorFactory(owner=lead, trading_name="rows 120", legal_name="Longtable Ltd")
    with django_capture_on_commit_callbacks(execute=True):
        doc = request(vendor, lead)

    doc.refresh_from_db()
    with doc.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 3 and doc.page_count == len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in text
        assert "Note on Longtable Ltd" in text  # running header
    for text in pages[1:]:
        assert "# Item Fingerprint" in text  # the table header repeats on every page it spans


def test_a_render_over_the_soft_time_limit_fails_readably(vendor, lead, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    from celery.exceptions import SoftTimeLimitExceeded

    from tests.documents.kinds import NOTE

    def too_slow(source):
        raise SoftTimeLimitExceeded()

    with django_capture_on_commit_callbacks(execute=False):
        doc = request(vendor, lead)
    object.__setattr__(NOTE, "build_context", too_slow)
    try:
        services.document_render(document_id=doc.pk)
    finally:
        from tests.documents.kinds import note_context

        object.__setattr__(NOTE, "build_context", note_context)

    doc.refresh_from_db()
    assert doc.status == S.FAILED and "took longer than 90 seconds" in doc.error


def test_a_database_error_releases_the_claim_for_the_task_retry(vendor, lead, django_capture_on_commit_callbacks):
    from django.db import OperationalError

    from tests.documents.kinds import NOTE, note_context

    def db_gone(source):
        raise OperationalError("server closed the connection unexpectedly")

    with django_capture_on_commit_callbacks(execute=False):
        doc = request(vendor, lead)
    object.__setattr__(NOTE, "build_context", db_gone)
    try:
        with pytest.raises(OperationalError), django_capture_on_commit_callbacks(execute=False):
            services.document_render(document_id=doc.pk)
    finally:
        object.__setattr__(NOTE, "build_context", note_context)

    doc.refresh_from_db()
    assert doc.status == S.PENDING and doc.attempts == 1
    assert doc.history.first().history_change_reason == "Database error while rendering"


def test_a_deleted_source_fails_readably(lead, django_capture_on_commit_callbacks):
    from tests.factories.vendors import VendorFactory

    vendor = VendorFactory(owner=lead)
    with django_capture_on_commit_callbacks(execute=False):
        doc = request(vendor, lead)
    vendor.delete()

    services.document_render(document_id=doc.pk)

    doc.refresh_from_db()
    assert doc.status == S.FAILED and "no longer exists" in doc.error
