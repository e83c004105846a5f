"""Operations against the real services (issue 18): a request's id reaches the log lines of the worker that runs
the task it queued, and readiness follows the real PostgreSQL, Redis and worker."""

import os
import time
import uuid

import pytest
from django.urls import reverse

_KINDS = "tests.documents.kinds"  # the worker learns the test document kinds from this (as test_documents does)
_existing = os.environ.get("BATON_DOCUMENT_KIND_MODULES", "")
if _KINDS not in _existing.split(","):
    os.environ["BATON_DOCUMENT_KIND_MODULES"] = ",".join(filter(None, [_existing, _KINDS]))

import tests.documents.kinds  # noqa: E402,F401 - the same kinds in this process
from procurement.documents.models import RenderedDocument  # noqa: E402
from procurement.models import WorkerHeartbeat  # noqa: E402
from tests.factories.vendors import VendorFactory  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(predicate, *, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_worker_logs_a_queued_render_under_the_requests_id(client, lead, celery_worker_process, worker_storage):
    vendor = VendorFactory(owner=lead, legal_name="Traced Ltd")
    client.force_login(lead)
    request_id = f"itest-{uuid.uuid4().hex}"

    response = client.post(reverse("documents:request", args=["test_note", vendor.pk]), HTTP_X_REQUEST_ID=request_id)

    assert response.status_code == 302 and response["X-Request-ID"] == request_id
    doc = RenderedDocument.objects.get()
    wait_until(lambda: RenderedDocument.objects.filter(pk=doc.pk, status=RenderedDocument.Status.READY).exists(),
               what=f"document {doc.pk} to render")
    rendered = f"Document {doc.pk} (test_note v1) rendered"

    def worker_lines() -> list[str]:
        lines = celery_worker_process.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if f"request_id={request_id}" in line]

    lines = wait_until(lambda: (found := worker_lines()) and any(rendered in line for line in found) and found,
                       what="the worker's log line")
    assert any("task_started" in line and "task=documents.render" in line for line in lines)
    assert any(rendered in line for line in lines)  # a line the renderer's own (stdlib) logger wrote


def test_the_worker_probe_follows_the_heartbeat_and_readiness_does_not(client, settings, celery_worker_process,
                                                                      worker_storage):
    from procurement.tasks import worker_heartbeat

    WorkerHeartbeat.objects.all().delete()
    assert client.get("/health/workers/").status_code == 503  # PostgreSQL, Redis up, but no worker has reported
    assert client.get("/health/ready/").status_code == 200  # the web replica still serves pages meanwhile

    worker_heartbeat.delay()
    wait_until(WorkerHeartbeat.objects.exists, what="the worker's heartbeat")
    response = client.get("/health/workers/")
    assert response.status_code == 200 and response.content == b"ok\n"

    settings.BATON_HEARTBEAT_FRESH_SECONDS = 1  # no heartbeat for longer than the window: the worker is gone
    time.sleep(1.5)
    response = client.get("/health/workers/")
    assert response.status_code == 503 and response.content == b"unavailable\n"
    assert client.get("/health/ready/").status_code == 200
