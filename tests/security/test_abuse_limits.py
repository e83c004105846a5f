"""Abuse limits: the session key changes at sign-in, the sign-off password re-entry is throttled with a cool-off,
files are cut off at the ceiling while they stream in (a field error, nothing saved), and request bodies over
the limits are answered 400 with Baton's page. (Sign-in throttling itself is tested in
tests/procurement/test_sign_in_throttling.py.)"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import DecisionMemo, ProposalDocument, SignOff
from procurement.accounts.roles import Role
from procurement.uploads import BoundedUploadHandler, OversizeUpload
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo
from tests.factories.vendors import VendorFactory
from tests.security.figures import record
from vendors.models import Evidence, Vendor

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"0" * 4000 + b"\n%%EOF"  # a real-looking PDF of about 4 kB


# --- the session --------------------------------------------------------------------------------------------
def test_a_session_key_planted_before_sign_in_is_destroyed_at_sign_in(client, lead):
    """Session fixation: tests/procurement/test_pages.py checks the key changes; here the old key must also be
    gone from the store, so whoever knew it holds nothing."""
    client.get(reverse("login"))
    before = client.session
    before["visited"] = "the sign-in page"
    before.save()
    client.cookies["sessionid"] = before.session_key
    old_key = before.session_key

    response = client.post(reverse("login"), {"username": lead.username, "password": TEST_PASSWORD})

    assert response.status_code == 302 and response.url == reverse("home")
    assert client.session.session_key != old_key
    assert client.session["_auth_user_id"] == str(lead.pk)
    assert not SessionStore().exists(old_key)  # a key planted before sign-in is worthless afterwards


def test_a_password_change_signs_out_every_other_session_of_that_person(lead):
    from django.test import Client

    stolen, owner = Client(), Client()
    stolen.force_login(lead)  # say, a session left open on a shared machine
    owner.force_login(lead)
    new_password = "a-much-longer-passphrase-2026"

    response = owner.post(reverse("password_change"), {"old_password": TEST_PASSWORD, "new_password1": new_password,
                                                       "new_password2": new_password})

    assert response.status_code == 302
    assert owner.get(reverse("home")).status_code == 200  # the person who changed it stays signed in
    assert stolen.get(reverse("home")).status_code == 302  # every other session is sent to the sign-in page


# --- sign-off password re-entry -----------------------------------------------------------------------------
@pytest.fixture
def routed(lead, business_owner, make_user):
    first, second = make_user(Role.COMMITTEE_APPROVER), make_user(Role.COMMITTEE_APPROVER)
    committee(PM, first, second, quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    return memo, first, second


def _sign(client, memo, password):
    return client.post(reverse("awards:memo_sign", args=[memo.procedure.reference]),
                       {"decision": "approve", "password": password, "confirm": "on"})


def test_wrong_sign_off_passwords_pause_signing_then_the_pause_ends(client, routed, settings):
    memo, approver, _ = routed
    limit = settings.BATON_SIGNOFF_FAILURE_LIMIT
    client.force_login(approver)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        for attempt in range(1, limit):
            response = _sign(client, memo, f"guess-{attempt}")
            assert response.status_code == 400
            assert "That is not your password" in response.content.decode()
        paused = _sign(client, memo, "guess-last")
        right_but_paused = _sign(client, memo, TEST_PASSWORD)

    for response in (paused, right_but_paused):
        page = response.content.decode()
        assert response.status_code == 400
        assert 'id="id_password_error"' in page and "Too many wrong passwords" in page
    assert not SignOff.objects.exists()
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL

    cooloff = timedelta(minutes=settings.BATON_SIGNOFF_COOLOFF_MINUTES)
    with time_machine.travel(start + cooloff - timedelta(seconds=30), tick=False):
        assert _sign(client, memo, TEST_PASSWORD).status_code == 400  # still cooling off
    with time_machine.travel(start + cooloff + timedelta(seconds=30), tick=False):
        response = _sign(client, memo, TEST_PASSWORD)

    assert response.status_code == 302
    assert SignOff.objects.filter(signer=approver, route__memo=memo).count() == 1
    record("abuse limits checked", 1)


def test_the_pause_is_per_user_and_a_right_password_clears_the_count(client, routed, settings):
    memo, approver, colleague = routed
    limit = settings.BATON_SIGNOFF_FAILURE_LIMIT
    client.force_login(approver)
    for attempt in range(limit):
        _sign(client, memo, f"guess-{attempt}")

    client.force_login(colleague)
    for _ in range(limit - 1):
        assert _sign(client, memo, "wrong").status_code == 400

    assert _sign(client, memo, TEST_PASSWORD).status_code == 302  # the colleague is not paused by the other
    assert list(SignOff.objects.values_list("signer", flat=True)) == [colleague.pk]
    record("abuse limits checked", 1)


def test_the_service_itself_refuses_while_paused(routed, settings):
    """Tasks and commands call the service, not the view: the pause holds there too."""
    from django.core.exceptions import ValidationError

    memo, approver, _ = routed
    for _ in range(settings.BATON_SIGNOFF_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            services.signoff_record(actor=approver, memo=memo, decision="approve", password="nope")

    with pytest.raises(ValidationError, match="Too many wrong passwords"):
        services.signoff_record(actor=approver, memo=memo, decision="approve", password=TEST_PASSWORD)
    assert not SignOff.objects.exists()


# --- upload ceiling -----------------------------------------------------------------------------------------
def _multipart(field: str, name: str, payload: bytes, **fields) -> tuple[bytes, str]:
    boundary = "BatonBoundary7MA4YWxkTrZu0gW"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + payload + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_the_handler_stops_keeping_a_file_at_the_ceiling(settings):
    settings.BATON_UPLOAD_MAX_BYTES = 1024
    body, content_type = _multipart("file", "big.pdf", b"%PDF-1.7\n" + b"A" * 200_000, title="Too big")
    request = RequestFactory().post("/", data=body, content_type=content_type)
    handlers = [BoundedUploadHandler(request)] + [h for h in request.upload_handlers[1:]]
    kept = []
    original = handlers[1].receive_data_chunk

    def spy(raw_data, start):
        kept.append(len(raw_data))
        return original(raw_data, start)

    handlers[1].receive_data_chunk = spy

    post, files = MultiPartParser(request.META, io.BytesIO(body), handlers).parse()

    upload = files["file"]
    assert isinstance(upload, OversizeUpload)
    assert upload.size > 200_000 and upload.read() == b""
    assert sum(kept) <= settings.BATON_UPLOAD_MAX_BYTES  # the storing handler never held more than the ceiling
    assert post["title"] == "Too big"  # the other fields still arrive, so the form can say what went wrong
    assert request.oversize_uploads == ["file"]


def test_a_file_under_the_ceiling_passes_untouched(settings):
    settings.BATON_UPLOAD_MAX_BYTES = 1024 * 1024
    body, content_type = _multipart("file", "small.pdf", PDF)
    request = RequestFactory().post("/", data=body, content_type=content_type)

    _, files = MultiPartParser(request.META, io.BytesIO(body), request.upload_handlers).parse()

    assert not isinstance(files["file"], OversizeUpload)
    assert files["file"].read() == PDF


def test_oversize_evidence_is_refused_at_the_field_and_nothing_is_stored(client, lead, settings, tmp_path):
    settings.BATON_UPLOAD_MAX_BYTES = 2048
    vendor = VendorFactory(owner=lead)
    client.force_login(lead)
    before = (Evidence.objects.count(), Evidence.history.count(), Vendor.history.count())

    response = client.post(reverse("vendors:evidence_upload", args=[vendor.pk]), {
        "file": SimpleUploadedFile("report.pdf", PDF * 3, content_type="application/pdf"), "title": "SOC 2",
        "kind": "security_questionnaire", "source": "independent",
        "effective_date": timezone.localdate().isoformat()})

    page = response.content.decode()
    assert response.status_code == 400  # a refused form answers 400
    assert "too large" in page.lower() and 'id="id_file_error"' in page
    assert (Evidence.objects.count(), Evidence.history.count(), Vendor.history.count()) == before
    assert not any((tmp_path / "private").rglob("*.pdf"))
    record("abuse limits checked", 1)


def test_oversize_proposal_document_is_refused_at_the_field(client, lead, settings, tmp_path):
    from tests.factories.awards import BidFactory

    settings.BATON_UPLOAD_MAX_BYTES = 2048
    bid = BidFactory(procedure__lead=lead)
    client.force_login(lead)

    response = client.post(reverse("awards:document_add", args=[bid.procedure.reference, bid.pk]), {
        "title": "Proposal", "file": SimpleUploadedFile("proposal.pdf", PDF * 3, content_type="application/pdf")})

    page = response.content.decode()
    assert response.status_code == 400  # a refused form answers 400
    assert "too large" in page and 'id="id_file_error"' in page
    assert not ProposalDocument.objects.exists()
    assert not any((tmp_path / "private").rglob("*.pdf"))
    record("abuse limits checked", 1)


def test_oversize_import_files_get_a_page_not_a_server_error(client, lead, settings):
    settings.BATON_UPLOAD_MAX_BYTES = 1024
    client.force_login(lead)
    before = Vendor.objects.count()

    response = client.post(reverse("vendors:import"), {
        "file": SimpleUploadedFile("vendors.csv", b"legal_name,country\n" + b"Acme Ltd,GB\n" * 500,
                                   content_type="text/csv")})

    page = response.content.decode()
    assert response.status_code == 400  # a refused form answers 400
    assert 'id="id_file_error"' in page and "too large" in page
    assert Vendor.objects.count() == before
    record("abuse limits checked", 1)


# --- request body limits ------------------------------------------------------------------------------------
def test_a_body_over_the_memory_limit_gets_the_400_page_and_saves_nothing(client, lead, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    client.force_login(lead)
    before = Vendor.objects.count()

    response = client.post(reverse("vendors:create"), {"legal_name": "A" * 10_000, "country": "GB"})

    assert response.status_code == 400
    assert "could not accept that request" in response.content.decode()
    assert Vendor.objects.count() == before
    record("abuse limits checked", 1)


def test_too_many_fields_get_the_400_page(client, lead, settings):
    client.force_login(lead)
    fields = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client.post(reverse("vendors:create"), fields)

    assert response.status_code == 400
    assert "could not accept that request" in response.content.decode()
    record("abuse limits checked", 1)


def test_the_limits_are_set():
    from django.conf import settings

    assert settings.FILE_UPLOAD_HANDLERS[0] == "procurement.uploads.BoundedUploadHandler"
    assert 0 < settings.BATON_UPLOAD_MAX_BYTES <= 100 * 1024 * 1024
    assert 0 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert 0 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 1000
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME  # a cool-off, never a permanent lock
    assert settings.BATON_SIGNOFF_FAILURE_LIMIT > 0 and settings.BATON_SIGNOFF_COOLOFF_MINUTES > 0


def test_every_form_file_field_refuses_a_cut_off_file():
    from django import forms

    from procurement.uploads import refuse_oversize

    for field in (forms.FileField(), forms.ImageField(), forms.FileField(required=False)):
        assert refuse_oversize in field.validators
    cut_off = OversizeUpload(name="big.pdf", content_type="application/pdf", size=30 * 1048576, limit=25 * 1048576)
    with pytest.raises(forms.ValidationError, match="too large"):
        forms.FileField().clean(cut_off)
