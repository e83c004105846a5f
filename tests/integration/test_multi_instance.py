"""Two web instances and two Celery workers behind nginx, sharing only PostgreSQL, Redis and the S3 server.

The cluster (tests/cluster.py) runs every process with DEBUG=0, its own working directory and its own
PRIVATE_STORAGE_ROOT, against pytest-django's test database. The data is made here with the factories and
services and committed (transactional tests), so the other processes see it; people sign in through the real
login form over HTTP. Requests meant for one instance go to its port directly, carrying the X-Forwarded-For
header nginx would have added; the sign-in goes through nginx.

The session's own worker (tests/integration/conftest.py) is stopped while this module runs, so the two workers
of the cluster are the only consumers of the broker, and started again at the end.
"""

import hashlib
import os
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import global_settings
from django.urls import reverse
from django.utils import timezone

import procurement.settings as configured
import tests.documents.kinds  # noqa: F401 - the slow test kind, in this process and (below) in the workers
from awards import services as awards
from awards.models import DecisionMemo, SignOff
from procurement.accounts.roles import Role
from procurement.documents import services as documents
from procurement.documents.models import RenderedDocument
from tests.cluster import Browser, Cluster
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo
from tests.factories.vendors import VendorFactory
from tests.integration.conftest import _test_database_url
from tests.integration.test_documents import wait_for
from vendors.models import Evidence, EvidenceKind

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("S3_BUCKET"), reason=(
        "needs the S3 server of .ci/with-services (S3_BUCKET and S3_ENDPOINT_URL): without shared object storage "
        "two instances cannot serve each other's files, which is what this module checks")),
]
S = RenderedDocument.Status
FORWARDED = "127.0.0.1"  # what nginx appends for a client on loopback


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, celery_worker_process, tmp_path_factory):
    celery_worker_process.stop()
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    kinds = ",".join(filter(None, [os.environ.get("BATON_DOCUMENT_KIND_MODULES"), "tests.documents.kinds"]))
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "INFO"}
    cluster = Cluster(env, web=2, workers=2, base_dir=tmp_path_factory.mktemp("cluster"),
                      worker_env={"BATON_DOCUMENT_KIND_MODULES": kinds})
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        celery_worker_process.start()


@pytest.fixture(autouse=True)
def _shared_storage(settings):
    """This process stores in the same bucket as the cluster (the test settings point it at a local folder);
    what the test stored is removed from the bucket afterwards."""
    settings.STORAGES = configured.STORAGES
    yield
    from awards.models import ProposalDocument

    for model in (RenderedDocument, Evidence, ProposalDocument):
        for row in model.objects.exclude(file=""):
            row.file.storage.delete(row.file.name)


def _web_password(settings, *users) -> None:
    """Give `users` the test password hashed as the servers hash it (the test settings use a fast hasher the
    servers do not know)."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    for user in users:
        user.set_password(TEST_PASSWORD)
        user._change_reason = "test: password for the sign-in form"
        user.save()


def _signed_in(cluster, user) -> Browser:
    browser = Browser(direct={web.url: FORWARDED for web in cluster.webs})
    browser.sign_in(cluster.url, user.username, TEST_PASSWORD)
    return browser


def _rendered_by(cluster, doc) -> list[str]:
    line = f"Document {doc.pk} ({doc.kind} v{doc.version}) rendered"
    return [worker.name for worker in cluster.workers if line in worker.log()]


def _stored_names(folder: str, prefix: str) -> list[str]:
    from django.core.files.storage import default_storage

    return sorted(name for name in default_storage.listdir(folder)[1] if name.startswith(prefix))


def _local_files(cluster) -> list[Path]:
    return [p for server in (*cluster.webs, *cluster.workers)
            for p in (server.workdir / "private").rglob("*") if p.is_file()]


def test_evidence_uploaded_through_one_instance_downloads_through_the_other(cluster, settings):
    # given: a lead who owns a vendor, signed in through nginx; a 3 MB PDF
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    vendor = VendorFactory(owner=lead, legal_name="Shared Storage Ltd")
    _web_password(settings, lead)
    browser = _signed_in(cluster, lead)
    content = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024) + b"\n%%EOF\n"
    a, b = cluster.webs

    # when: it is uploaded through instance A and downloaded through instance B
    upload = reverse("vendors:evidence_upload", args=[vendor.pk])
    response = browser.post_form(a.url, upload, {
        "title": "SOC 2 Type II report", "kind": EvidenceKind.SECURITY_CERTIFICATION,
        "source": Evidence.Source.THIRD_PARTY_ATTESTATION, "effective_date": timezone.localdate().isoformat(),
        "valid_until": ""}, files={"file": ("soc2-report.pdf", content, "application/pdf")})
    assert response.status == 302, response.text[:1000]
    evidence = Evidence.objects.get(vendor=vendor)
    download = browser.get(b.url, reverse("vendors:evidence_download", args=[vendor.pk, evidence.pk]))

    # then: B serves the very bytes A stored, in the bucket and on neither instance's disk
    assert download.status == 200, download.text[:500]
    assert download.body == content
    assert download.sha256 == hashlib.sha256(content).hexdigest() == evidence.sha256
    assert evidence.size == len(content)
    assert _stored_names(str(Path(evidence.file.name).parent), "") == [Path(evidence.file.name).name]
    assert _local_files(cluster) == []


def test_a_memo_approved_on_one_instance_renders_once_on_one_of_the_workers(cluster, settings):
    # given: a written memo whose route needs one approver of the procurement manager's committee
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    approver = UserFactory(roles=[Role.COMMITTEE_APPROVER])
    committee(PM, approver, quorum=1)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    memo = written_memo(shortlisted_procedure(lead=lead, value=Decimal("50000")))
    _web_password(settings, lead, approver)
    reference = memo.procedure.reference
    a, b = cluster.webs

    # when: the lead submits it on B and the approver signs it on B
    submitted = _signed_in(cluster, lead).post_form(
        b.url, reverse("awards:memo_submit", args=[reference]), {"confirm": "on"},
        csrf_page=reverse("awards:memo_detail", args=[reference]))
    assert submitted.status == 302, submitted.text[:1000]
    signer = _signed_in(cluster, approver)
    signed = signer.post_form(b.url, reverse("awards:memo_sign", args=[reference]),
                              {"decision": "approve", "password": TEST_PASSWORD, "confirm": "on"})
    assert signed.status == 302, signed.text[:1000]

    # then: approved, and exactly one memo PDF, rendered once by exactly one of the two workers
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.APPROVED
    rows = RenderedDocument.objects.filter(kind="award_memo", object_id=memo.pk)
    assert rows.count() == 1
    doc = wait_for(rows.get().pk, S.READY, S.FAILED, timeout=180)
    assert doc.status == S.READY, doc.error
    time.sleep(1.0)  # a duplicate delivery, if any, has time to show
    assert list(RenderedDocument.objects.filter(kind="award_memo", object_id=memo.pk)
                .values_list("status", flat=True)) == [S.READY]
    assert list(doc.history.values_list("status", flat=True)).count(S.READY) == 1
    rendered_by = _rendered_by(cluster, doc)
    assert len(rendered_by) == 1, rendered_by
    print(f"memo PDF {doc.pk} rendered by {rendered_by[0]}")
    assert _stored_names(f"documents/{doc.kind}", f"{doc.pk}-v{doc.version}-") == [Path(doc.file.name).name]

    # and the other instance serves the PDF the worker stored, checked against its sha256
    download = signer.get(a.url, reverse("documents:download", args=[doc.pk]))
    assert download.status == 200, download.text[:500]
    assert download.body.startswith(b"%PDF-") and download.sha256 == doc.sha256


def test_wrong_sign_off_passwords_on_both_instances_pause_signing_on_both(cluster, settings):
    # given: a memo in approval and one of its two approvers, signed in once (the session works on A and B)
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    approver, colleague = UserFactory(roles=[Role.COMMITTEE_APPROVER]), UserFactory(roles=[Role.COMMITTEE_APPROVER])
    committee(PM, approver, colleague, quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    memo = awards.memo_submit(actor=lead, memo=written_memo(shortlisted_procedure(lead=lead, value=Decimal("50000"))))
    _web_password(settings, approver)
    browser = _signed_in(cluster, approver)
    sign = reverse("awards:memo_sign", args=[memo.procedure.reference])
    a, b = cluster.webs
    assert settings.BATON_SIGNOFF_FAILURE_LIMIT == 5

    def attempt(web, password):
        return browser.post_form(web.url, sign, {"decision": "approve", "password": password, "confirm": "on"})

    # when: five wrong passwords, three on A and two on B
    wrong = [attempt(web, f"guess-{n}") for n, web in enumerate((a, a, a, b, b), start=1)]

    # then: the first four are plain refusals, the fifth pauses signing ...
    assert [r.status for r in wrong] == [400] * 5
    assert all("That is not your password" in r.text for r in wrong[:4])
    assert "Too many wrong passwords" in wrong[4].text
    # ... and the right password is refused on A and on B alike
    for web in (a, b):
        right = attempt(web, TEST_PASSWORD)
        assert right.status == 400, f"{web.name} answered {right.status}"
        assert "Too many wrong passwords" in right.text, f"{web.name} did not refuse:\n{right.text[:800]}"
    assert not SignOff.objects.filter(route__memo=memo).exists()
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL


def _holder(cluster, document_id: int, timeout: float = 60):
    """The worker whose pool is running the render task of `document_id` (asked over the broker)."""
    from celery import Celery

    deadline = time.monotonic() + timeout
    with Celery(broker=cluster.broker_url, set_as_current=False) as app:
        while time.monotonic() < deadline:
            active = app.control.inspect(destination=[w.node for w in cluster.workers], timeout=2).active() or {}
            for worker in cluster.workers:
                for task in active.get(worker.node, []):
                    if task.get("name") == "documents.render" and list(task.get("args") or []) == [document_id]:
                        return worker
            time.sleep(0.2)
    raise AssertionError(f"no worker reports the render of document {document_id} as active")


def test_a_worker_killed_mid_render_leaves_exactly_one_ready_document(cluster, settings):
    # given: a document whose data takes 3 s to assemble, being rendered by one of the two workers
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    vendor = VendorFactory(owner=lead, legal_name="Killed Mid Render Ltd")
    doc = documents.document_request(kind="test_slow_note", source=vendor, actor=lead)
    doc = wait_for(doc.pk, S.RENDERING, timeout=60)
    victim = _holder(cluster, doc.pk)
    survivor = next(w for w in cluster.workers if w is not victim)
    first_claim = doc.claimed_at

    try:
        # when: that worker and its pool child are SIGKILLed mid-render
        victim.kill()
        assert not victim.alive

        # and the sweeper runs as beat would, until the interrupted render is queued again (acks_late keeps the
        # message unacknowledged in Redis until its visibility timeout, an hour: the sweeper is what brings it
        # back sooner); then the surviving worker renders it
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            documents.document_sweep(pending_after=timedelta(hours=1), rendering_after=timedelta(seconds=4))
            doc.refresh_from_db()
            if doc.status != S.RENDERING or doc.claimed_at != first_claim:
                break
            time.sleep(0.5)
        doc = wait_for(doc.pk, S.READY, S.FAILED, timeout=120)

        # then: exactly one READY document, one stored file, rendered by the survivor on its second attempt
        assert doc.status == S.READY, f"{doc.status} {doc.error!r}\n{survivor.log(40)}"
        assert doc.attempts == 2
        time.sleep(1.0)
        assert list(RenderedDocument.objects.filter(kind="test_slow_note", object_id=vendor.pk)
                    .values_list("status", flat=True)) == [S.READY]
        assert list(doc.history.values_list("status", flat=True)).count(S.READY) == 1
        assert _rendered_by(cluster, doc) == [survivor.name]
        assert _stored_names(f"documents/{doc.kind}", f"{doc.pk}-v{doc.version}-") == [Path(doc.file.name).name]
    finally:
        # the cluster is whole again for whatever runs next
        if not victim.alive:
            victim.start()
            victim.wait_ready(cluster.broker_url)

    # and the restarted worker does not render it again
    time.sleep(2.0)
    doc.refresh_from_db()
    assert doc.status == S.READY and doc.attempts == 2
    assert list(doc.history.values_list("status", flat=True)).count(S.READY) == 1
