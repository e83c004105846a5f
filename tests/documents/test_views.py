"""Status, request/retry and download views: permissions (404 unseen), htmx partials, polling back-off, the
sha256 check on download."""

import io
import re

import pypdf
import pytest
from django.urls import reverse

from procurement.documents import services
from procurement.documents.models import RenderedDocument

pytestmark = pytest.mark.django_db
S = RenderedDocument.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ready_doc(vendor, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.document_request(kind="test_note", source=vendor, actor=lead)
    doc.refresh_from_db()
    assert doc.status == S.READY
    return doc


def status_url(vendor, kind="test_note"):
    return reverse("documents:status", args=[kind, vendor.pk])


def test_status_shows_nothing_rendered_yet_with_a_request_button(client, lead, vendor):
    client.force_login(lead)
    response = client.get(status_url(vendor), **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Not rendered yet." in body
    assert reverse("documents:request", args=["test_note", vendor.pk]) in body
    assert "<html" not in body  # an htmx answer is the partial only


def test_the_full_page_includes_the_component(client, lead, vendor):
    client.force_login(lead)
    body = client.get(status_url(vendor)).content.decode()
    assert "<html" in body and 'class="document-panel panel"' in body and "Test note" in body


def test_requesting_through_the_page_queues_and_polls_with_back_off(client, lead, vendor,
                                                                    django_capture_on_commit_callbacks):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("documents:request", args=["test_note", vendor.pk]), **HTMX)

    body = response.content.decode()
    doc = RenderedDocument.objects.get()
    assert response.status_code == 200 and len(callbacks) == 1
    assert doc.status == S.PENDING and doc.requested_by == lead
    assert 'hx-trigger="load delay:1000ms"' in body and 'data-poll-delay="1000"' in body

    delays = []
    for delay in (1000, 2000, 4000, 8000, 15000):
        polled = client.get(status_url(vendor), {"delay": delay}, **HTMX).content.decode()
        delays.append(int(re.search(r'data-poll-delay="(\d+)"', polled)[1]))
    assert delays == [2000, 4000, 8000, 15000, 15000]

    callbacks[0]()
    done = client.get(status_url(vendor), {"delay": 2000}, **HTMX).content.decode()
    assert "data-poll-delay" not in done and "hx-trigger" not in done  # polling stops when ready
    assert reverse("documents:download", args=[doc.pk]) in done and "1 page" in done


@pytest.mark.parametrize("delay", ["abc", "-5", "99999999999999999999", ""])
def test_bad_poll_parameters_are_harmless(client, lead, vendor, delay, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.document_request(kind="test_note", source=vendor, actor=lead)
    client.force_login(lead)
    response = client.get(status_url(vendor), {"delay": delay}, **HTMX)
    assert response.status_code == 200
    assert int(re.search(r'data-poll-delay="(\d+)"', response.content.decode())[1]) <= 15000


def test_a_non_htmx_request_redirects_back(client, lead, vendor, django_capture_on_commit_callbacks):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:request", args=["test_note", vendor.pk]))
    assert response.status_code == 302
    assert response["Location"] == vendor.get_absolute_url()


def test_download_serves_the_verified_file_as_an_attachment(client, lead, ready_doc):
    client.force_login(lead)
    response = client.get(reverse("documents:download", args=[ready_doc.pk]))

    content = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="note-on-quill-analytics-ltd-note-v1.pdf"'
    assert response["X-Content-SHA256"] == ready_doc.sha256
    assert len(pypdf.PdfReader(io.BytesIO(content)).pages) == 1


def test_a_tampered_file_is_refused_with_a_clear_message(client, lead, ready_doc):
    path = ready_doc.file.path
    with open(path, "r+b") as handle:
        handle.seek(20)
        handle.write(b"XX")
    client.force_login(lead)

    response = client.get(reverse("documents:download", args=[ready_doc.pk]))

    assert response.status_code == 409
    assert "no longer matches the fingerprint (sha256)" in response.content.decode()


def test_a_missing_file_is_refused_with_a_clear_message(client, lead, ready_doc):
    ready_doc.file.storage.delete(ready_doc.file.name)
    client.force_login(lead)
    response = client.get(reverse("documents:download", args=[ready_doc.pk]))
    assert response.status_code == 409 and "is missing" in response.content.decode()


def test_nothing_to_download_before_rendering(client, lead, vendor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        doc = services.document_request(kind="test_note", source=vendor, actor=lead)
    client.force_login(lead)
    response = client.get(reverse("documents:download", args=[doc.pk]))
    assert response.status_code == 409 and "not been rendered yet" in response.content.decode()


def test_people_who_cannot_see_the_source_get_404_everywhere(client, stranger, vendor, ready_doc):
    client.force_login(stranger)
    urls = [
        ("get", status_url(vendor)),
        ("get", reverse("documents:download", args=[ready_doc.pk])),
        ("post", reverse("documents:request", args=["test_note", vendor.pk])),
        ("post", reverse("documents:retry", args=[ready_doc.pk])),
    ]
    for method, url in urls:
        assert getattr(client, method)(url, **HTMX).status_code == 404, url
    assert RenderedDocument.objects.count() == 1


def test_auditors_see_and_download(client, auditor, ready_doc, vendor):
    client.force_login(auditor)
    assert client.get(status_url(vendor), **HTMX).status_code == 200
    assert client.get(reverse("documents:download", args=[ready_doc.pk])).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, ready_doc):
    response = client.get(reverse("documents:download", args=[ready_doc.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_kinds_and_documents_are_404(client, lead, vendor):
    client.force_login(lead)
    assert client.get(status_url(vendor, kind="no_such_kind")).status_code == 404
    assert client.get(reverse("documents:download", args=[999999])).status_code == 404
    assert client.get(reverse("documents:status", args=["test_note", 999999])).status_code == 404


def test_a_failed_document_shows_its_error_and_a_retry_button(client, lead, vendor,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.document_request(kind="test_broken", source=vendor, actor=lead)
    client.force_login(lead)

    body = client.get(status_url(vendor, "test_broken"), **HTMX).content.decode()
    assert "could not be rendered" in body and reverse("documents:retry", args=[doc.pk]) in body

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("documents:retry", args=[doc.pk]), **HTMX)
    doc.refresh_from_db()
    assert response.status_code == 200 and doc.status == S.PENDING
    assert "Waiting for the renderer" in response.content.decode()


def test_an_outdated_ready_document_offers_the_current_version(client, lead, vendor, ready_doc):
    from procurement.audit.history import attribute

    vendor.description = "Changed."
    attribute(vendor, actor=lead, reason="test")
    vendor.save()
    client.force_login(lead)
    body = client.get(status_url(vendor), **HTMX).content.decode()
    assert "Version 1 no longer matches the vendor as it is today." in body
    assert "Render the current version" in body


def test_the_component_has_no_inline_script_or_style(client, lead, vendor, ready_doc):
    client.force_login(lead)
    body = client.get(status_url(vendor)).content.decode()
    assert "<script>" not in body and " style=" not in body and "<style" not in body
    assert "Content-Security-Policy" in client.get(status_url(vendor)).headers


def test_the_status_poll_is_cheap(client, lead, vendor, ready_doc, django_assert_max_num_queries):
    client.force_login(lead)
    with django_assert_max_num_queries(12):
        client.get(status_url(vendor), **HTMX)


def test_people_who_may_not_request_see_no_button(client, auditor, vendor):
    from tests.documents.kinds import NOTE

    object.__setattr__(NOTE, "request_action", "edit")
    try:
        client.force_login(auditor)
        body = client.get(status_url(vendor), **HTMX).content.decode()
        refused = client.post(reverse("documents:request", args=["test_note", vendor.pk]), **HTMX)
    finally:
        object.__setattr__(NOTE, "request_action", "view")
    assert "Not rendered yet." in body and "You may not request it." in body
    assert reverse("documents:request", args=["test_note", vendor.pk]) not in body
    assert refused.status_code == 403 and RenderedDocument.objects.count() == 0


def test_the_sweeper_is_scheduled_and_the_tasks_are_registered():
    from procurement.beat import BEAT_SCHEDULE
    from procurement.celery import app

    app.loader.import_default_modules()
    assert BEAT_SCHEDULE["documents-sweep"]["task"] == "documents.sweep"
    assert {"documents.sweep", "documents.render"} <= set(app.tasks)
    render = app.tasks["documents.render"]
    assert render.acks_late and render.reject_on_worker_lost
    assert render.soft_time_limit < render.time_limit


@pytest.mark.parametrize("path", [
    "/documents/test_note/99999999999999999999999999/",
    "/documents/99999999999999999999999999/download/",
    "/documents/test_note/0/",
    "/documents/NOT-A-KIND/1/",
])
def test_absurd_ids_are_404_not_500(client, lead, path):
    client.force_login(lead)
    assert client.get(path).status_code == 404
    assert client.post("/documents/99999999999999999999999999/retry/").status_code == 404
