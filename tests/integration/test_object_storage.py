"""Private files on S3-compatible storage (issue 18), against the moto server that .ci/with-services starts.

What is checked goes around Django where it matters: objects are looked up and tampered with through boto3
straight against the server, and the memory test runs the real WSGI stack in a separate process (so the test's
own buffers are not counted) and measures that process's allocations and its peak RSS.
"""

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from decimal import Decimal

import boto3
import environ
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.urls import reverse
from storages.backends.s3 import S3Storage

from awards import services as award_services
from awards.models import DecisionMemo, ProposalDocument
from procurement.accounts.roles import Role
from procurement.conf import storage as conf_storage
from procurement.documents.models import RenderedDocument
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo
from tests.factories.vendors import PDF_BYTES
from tests.integration.conftest import ROOT, _test_database_url
from vendors.models import Evidence

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MB = 1024 * 1024


@pytest.fixture(scope="module")
def bucket():
    """The bucket .ci/with-services created, read through boto3 directly (not through Django's storage)."""
    if not os.environ.get("S3_BUCKET"):
        pytest.fail("The integration leg runs against S3 (moto): run it via .ci/with-services, which sets S3_BUCKET.")
    s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name=os.environ["S3_REGION"])
    return s3, os.environ["S3_BUCKET"]


@pytest.fixture(autouse=True)
def _storage_from_the_environment(settings):
    """Undo the root conftest's temporary folder: this process stores where the environment says (the bucket),
    as the worker process and the web process of a deployment do."""
    chosen = conf_storage.storages(environ.Env(), private_root="/nonexistent", static_backend="unused")
    settings.STORAGES = {**settings.STORAGES, "default": chosen["default"]}


@pytest.fixture
def cleanup(bucket):
    """Names (keys) to delete from the bucket after the test."""
    s3, name = bucket
    keys: list[str] = []
    yield keys
    for key in keys:
        s3.delete_object(Bucket=name, Key=key)


def _key(stored_name: str) -> str:
    location = default_storage.location
    return f"{location}/{stored_name}" if location else stored_name


def _object(bucket, stored_name: str) -> bytes:
    s3, name = bucket
    return s3.get_object(Bucket=name, Key=_key(stored_name))["Body"].read()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_integration_leg_stores_private_files_in_the_bucket(bucket, cleanup):
    _, name = bucket
    storage = storages["default"]

    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == name and storage.file_overwrite is False and storage.querystring_auth is True
    first = storage.save("checks/same-name.txt", ContentFile(b"first"))
    second = storage.save("checks/same-name.txt", ContentFile(b"second"))
    cleanup.extend([_key(first), _key(second)])
    assert first == "checks/same-name.txt" and second != first  # never replaced: a new name instead
    assert (_object(bucket, first), _object(bucket, second)) == (b"first", b"second")
    assert "X-Amz-Signature=" in storage.url(first)  # a URL, if anything asks for one, is signed


def test_evidence_uploaded_through_the_view_lands_in_the_bucket_and_downloads_verified(client, lead, vendor, bucket,
                                                                                       cleanup):
    s3, name = bucket
    client.force_login(lead)
    body = PDF_BYTES + b"% pen test findings\n" * 200

    response = client.post(reverse("vendors:evidence_upload", args=[vendor.pk]), {
        "file": ContentFile(body, name="pentest.pdf"), "title": "Pen test 2026", "kind": "pentest_summary",
        "source": "independent", "effective_date": "2026-10-01"})

    assert response.status_code == 302
    evidence = Evidence.objects.get(vendor=vendor)
    cleanup.append(_key(evidence.file.name))
    assert evidence.sha256 == hashlib.sha256(body).hexdigest() and evidence.size == len(body)
    assert _object(bucket, evidence.file.name) == body  # in the bucket, as uploaded
    assert s3.head_object(Bucket=name, Key=_key(evidence.file.name))["ContentLength"] == len(body)

    url = reverse("vendors:evidence_download", args=[vendor.pk, evidence.pk])
    download = client.get(url)
    served = _body(download)
    assert download.status_code == 200
    assert served == body and hashlib.sha256(served).hexdigest() == evidence.sha256
    assert download["Content-Disposition"] == 'attachment; filename="pentest.pdf"'

    # Somebody with access to the bucket replaces the object: the view refuses it and serves none of it.
    altered = body.replace(b"findings", b"no issue")
    s3.put_object(Bucket=name, Key=_key(evidence.file.name), Body=altered)
    refused = client.get(url)
    page = refused.content.decode()
    assert refused.status_code == 409
    assert "no longer matches the fingerprint recorded at upload" in page and evidence.sha256[:12] in page
    assert b"no issue" not in refused.content and b"%PDF" not in refused.content

    # A deleted object is reported as missing, not as altered.
    s3.delete_object(Bucket=name, Key=_key(evidence.file.name))
    missing = client.get(url)
    assert missing.status_code == 409 and "is missing, so it cannot be served" in missing.content.decode()


def _wait_ready(kind: str, timeout: float = 90) -> RenderedDocument:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = RenderedDocument.objects.filter(kind=kind).order_by("-pk").first()
        if doc is not None and doc.status in (RenderedDocument.Status.READY, RenderedDocument.Status.FAILED):
            assert doc.status == RenderedDocument.Status.READY, doc.error
            return doc
        time.sleep(0.1)
    raise AssertionError(f"no {kind} document became ready within {timeout} s")


def test_a_memo_pdf_rendered_by_the_worker_is_stored_in_the_bucket_and_downloads(client, bucket, cleanup,
                                                                                 celery_worker_process):
    s3, name = bucket
    assert celery_worker_process.env["S3_BUCKET"] == name  # the worker writes to the same bucket
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    approvers = [UserFactory(roles=[Role.COMMITTEE_APPROVER]) for _ in range(2)]
    committee(PM, approvers[0], quorum=1)
    committee(RC, approvers[1], quorum=1)
    committee(EC, quorum=1)
    memo = award_services.memo_submit(
        actor=lead, memo=written_memo(shortlisted_procedure(lead=lead, value=Decimal("300000"))))
    for person in approvers:
        award_services.signoff_record(actor=person, memo=memo, decision="approve", comment="Approved",
                                      password=TEST_PASSWORD)
    assert DecisionMemo.objects.get(pk=memo.pk).is_approved

    doc = _wait_ready("award_memo")
    cleanup.append(_key(doc.file.name))
    stored = _object(bucket, doc.file.name)  # written by the worker process, read here from the bucket
    assert stored.startswith(b"%PDF-") and hashlib.sha256(stored).hexdigest() == doc.sha256
    assert len(stored) == doc.size

    client.force_login(lead)
    response = client.get(reverse("documents:download", args=[doc.pk]))
    assert response.status_code == 200
    assert _body(response) == stored
    assert response["X-Content-SHA256"] == doc.sha256 and response["Content-Length"] == str(doc.size)

    s3.put_object(Bucket=name, Key=_key(doc.file.name), Body=stored.replace(b"%PDF-", b"%PDF-\n% altered\n", 1))
    refused = client.get(reverse("documents:download", args=[doc.pk]))
    assert refused.status_code == 409
    assert "no longer matches the fingerprint (sha256)" in refused.content.decode()
    _wait_until_the_worker_is_idle()  # the approval also queued notifications; let them finish before the flush


def _wait_until_the_worker_is_idle(timeout: float = 60) -> None:
    import redis
    from django.conf import settings

    from procurement.celery import app

    broker = redis.Redis.from_url(settings.REDIS_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(timeout=1)
        busy = [task for tasks in [*(inspect.active() or {}).values(), *(inspect.reserved() or {}).values()]
                for task in tasks]
        if not busy and broker.llen(app.conf.task_default_queue) == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker was still busy after {timeout} s")


# --- memory: a 25 MB proposal through the real WSGI stack, in a process of its own --------------------------------

PROBE = textwrap.dedent('''
    import hashlib, json, os, sys, tracemalloc

    import django
    django.setup()

    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.test import Client, RequestFactory

    from django.contrib.auth import get_user_model

    from awards.models import ProposalDocument

    args = json.loads(sys.argv[1])
    application = get_wsgi_application()
    client = Client()
    client.force_login(get_user_model().objects.get(pk=args["user"]))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    csrf = "a" * 32  # a CSRF secret: the cookie and the form field carry the same value, as a browser would send
    cookie += f"; {settings.CSRF_COOKIE_NAME}={csrf}"

    def call(environ):
        status = []
        result = application(environ, lambda s, headers, exc_info=None: status.append(s))
        digest, size = hashlib.sha256(), 0
        try:
            for chunk in result:  # consumed as a WSGI server would: chunk by chunk, nothing kept
                digest.update(chunk)
                size += len(chunk)
        finally:
            getattr(result, "close", lambda: None)()
        return status[0], digest.hexdigest(), size

    def environ(method, path, **extra):
        env = RequestFactory()._base_environ(REQUEST_METHOD=method, PATH_INFO=path, HTTP_COOKIE=cookie)
        env.update(extra)
        return env

    def upload(payload_path, title):
        boundary = "baton-probe-boundary"
        body_path = payload_path + ".body"
        with open(body_path, "wb") as body, open(payload_path, "rb") as payload:
            for field, value in (("csrfmiddlewaretoken", csrf), ("title", title)):
                body.write(f"--{boundary}\\r\\nContent-Disposition: form-data; name=\\"{field}\\"\\r\\n\\r\\n"
                           f"{value}\\r\\n".encode())
            body.write(f"--{boundary}\\r\\nContent-Disposition: form-data; name=\\"file\\"; "
                       "filename=\\"offer.pdf\\"\\r\\nContent-Type: application/pdf\\r\\n\\r\\n".encode())
            for chunk in iter(lambda: payload.read(1 << 20), b""):
                body.write(chunk)
            body.write(f"\\r\\n--{boundary}--\\r\\n".encode())
        with open(body_path, "rb") as stream:  # the request body streams from disk, like a socket
            status, _, _ = call(environ("POST", args["upload_path"], CONTENT_TYPE=f"multipart/form-data; "
                                        f"boundary={boundary}", CONTENT_LENGTH=str(os.path.getsize(body_path)),
                                        **{"wsgi.input": stream}))
        os.remove(body_path)
        assert status.startswith("302"), status
        return ProposalDocument.objects.get(title=title)

    def download(document):
        return call(environ("GET", args["download_prefix"] + f"{document.pk}/"))

    # Warm up (imports, connections, the S3 client) on a small file, so only the big one is measured.
    small = upload(args["small"], "warm-up")
    assert download(small)[0].startswith("200")

    def status_kb(field):
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) * 1024

    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset this process's peak RSS (VmHWM) to its current RSS
    rss_before = status_kb("VmRSS")
    tracemalloc.start()
    baseline, _ = tracemalloc.get_traced_memory()
    big = upload(args["big"], "big offer")
    status, sha256, size = download(big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = status_kb("VmHWM")  # the peak RSS since the reset above
    print(json.dumps({"status": status, "sha256": sha256, "size": size, "stored_sha256": big.sha256,
                      "name": big.file.name, "small_name": small.file.name, "traced_peak": peak - baseline,
                      "rss_growth": rss_after - rss_before, "rss_peak": rss_after}))
''')


def _payload(path, size: int) -> str:
    with open(path, "wb") as handle:
        handle.write(b"%PDF-1.7\n")
        written = 9
        while written < size:
            chunk = os.urandom(min(MB, size - written))
            handle.write(chunk)
            written += len(chunk)
    return str(path)


def test_a_25_mb_proposal_is_uploaded_and_downloaded_with_flat_memory(rfp_issued, lead, bucket, cleanup, tmp_path):
    bid = rfp_issued.bids.first()
    size = 25 * MB - 4096  # just under the 25 MB ceiling
    big = _payload(tmp_path / "big.pdf", size)
    expected = hashlib.sha256()
    with open(big, "rb") as handle:
        for chunk in iter(lambda: handle.read(MB), b""):
            expected.update(chunk)
    upload_path = reverse("awards:document_add", args=[rfp_issued.reference, bid.pk])
    download_prefix = reverse("awards:document_download", args=[rfp_issued.reference, bid.pk, 1]).removesuffix("1/")
    args = {"user": lead.pk, "upload_path": upload_path, "download_prefix": download_prefix, "big": big,
            "small": _payload(tmp_path / "small.pdf", 64 * 1024)}
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "BATON_TESTING": "1",
           "DJANGO_SETTINGS_MODULE": "procurement.settings"}

    run = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)

    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    cleanup.extend([_key(result["name"]), _key(result["small_name"])])
    print(f"\n25 MB upload + download: traced peak {result['traced_peak'] / MB:.1f} MB, "
          f"peak RSS growth {result['rss_growth'] / MB:.1f} MB (peak RSS {result['rss_peak'] / MB:.0f} MB)")
    assert result["status"].startswith("200")
    assert (result["size"], result["sha256"], result["stored_sha256"]) == (size, expected.hexdigest(),
                                                                          expected.hexdigest())
    s3, name = bucket
    assert s3.head_object(Bucket=name, Key=_key(result["name"]))["ContentLength"] == size
    assert ProposalDocument.objects.get(file=result["name"]).size == size
    assert result["traced_peak"] < 50 * MB
    assert result["rss_growth"] < 50 * MB
