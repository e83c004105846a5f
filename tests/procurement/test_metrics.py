"""/metrics (procurement.metrics): hidden without a token setting, refused with a wrong token, and counting real
renders and real notifications on the embedded default (SQLite, eager Celery)."""

import re

import pytest

import tests.documents.kinds  # noqa: F401 - registers the test document kinds
from procurement.documents import services as documents
from procurement.documents.models import RenderedDocument
from procurement.notifications import services as notifications
from tests.factories.vendors import VendorFactory

TOKEN = "a-long-random-scrape-token-0123456789"  # noqa: S105 - a test value


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample line of the exposition (0 when the line is absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_without_the_token_setting_there_is_no_metrics_page(client, settings):
    settings.BATON_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "])
def test_a_missing_or_wrong_token_is_refused(client, settings, header):
    settings.BATON_METRICS_TOKEN = TOKEN
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 403
    assert b"baton_" not in response.content and b"django_" not in response.content


@pytest.mark.django_db
def test_the_page_counts_a_real_render(client, settings, lead, django_capture_on_commit_callbacks):
    settings.BATON_METRICS_TOKEN = TOKEN
    before = scrape(client)
    vendor = VendorFactory(owner=lead, legal_name="Metered Ltd")

    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the render runs on commit
        doc = documents.document_request(kind="test_note", source=vendor, actor=lead)
    doc.refresh_from_db()
    assert doc.status == RenderedDocument.Status.READY

    after = scrape(client)
    assert sample(after, "baton_documents_rendered_total", kind="test_note") == \
        sample(before, "baton_documents_rendered_total", kind="test_note") + 1
    assert sample(after, "baton_document_render_seconds_count", kind="test_note") == \
        sample(before, "baton_document_render_seconds_count", kind="test_note") + 1
    assert sample(after, "baton_document_render_seconds_sum", kind="test_note") > \
        sample(before, "baton_document_render_seconds_sum", kind="test_note")
    # eager Celery: no broker, nothing waits in a queue
    assert sample(after, "baton_queue_depth", queue="celery") == 0
    assert 'baton_queue_depth{queue="celery"} 0.0' in after
    # django-prometheus's own request metrics are on the same page
    assert "django_http_requests_total_by_method_total" in after


@pytest.mark.django_db
def test_running_the_render_again_counts_nothing(client, settings, lead, django_capture_on_commit_callbacks):
    from procurement.documents.tasks import render_document

    settings.BATON_METRICS_TOKEN = TOKEN
    vendor = VendorFactory(owner=lead, legal_name="Twice Ltd")
    with django_capture_on_commit_callbacks(execute=True):
        doc = documents.document_request(kind="test_note", source=vendor, actor=lead)
    before = scrape(client)

    render_document(doc.pk)  # a redelivered message: the row is READY already

    after = scrape(client)
    assert sample(after, "baton_documents_rendered_total", kind="test_note") == \
        sample(before, "baton_documents_rendered_total", kind="test_note")


@pytest.mark.django_db
def test_a_failed_render_is_counted_as_failed(client, settings, lead, django_capture_on_commit_callbacks):
    settings.BATON_METRICS_TOKEN = TOKEN
    before = scrape(client)
    vendor = VendorFactory(owner=lead, legal_name="Broken Ltd")

    with django_capture_on_commit_callbacks(execute=True):
        doc = documents.document_request(kind="test_broken", source=vendor, actor=lead)
    doc.refresh_from_db()
    assert doc.status == RenderedDocument.Status.FAILED

    after = scrape(client)
    assert sample(after, "baton_documents_failed_total", kind="test_broken") == \
        sample(before, "baton_documents_failed_total", kind="test_broken") + 1
    assert sample(after, "baton_documents_rendered_total", kind="test_broken") == \
        sample(before, "baton_documents_rendered_total", kind="test_broken")


@pytest.mark.django_db
def test_the_page_counts_a_real_notification_by_channel(client, settings, make_user, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    settings.BATON_METRICS_TOKEN = TOKEN
    before = scrape(client)
    user = make_user()

    with django_capture_on_commit_callbacks(execute=True):  # the email task runs eagerly on commit
        notifications.notify(recipient=user, kind="evaluator_assigned", key="metrics-1", subject="You were assigned")
    assert len(mailoutbox) == 1

    after = scrape(client)
    for channel in ("in_app", "email"):
        assert sample(after, "baton_notifications_sent_total", channel=channel, kind="evaluator_assigned") == \
            sample(before, "baton_notifications_sent_total", channel=channel, kind="evaluator_assigned") + 1
