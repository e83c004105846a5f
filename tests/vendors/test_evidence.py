"""Evidence upload and download: fingerprint, size and type by content, names, immutability, tamper check."""

import hashlib
import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.accounts.roles import Role
from tests.factories.vendors import PDF_BYTES
from vendors.models import Evidence, EvidenceKind
from vendors.services import evidence_review, evidence_upload

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def upload(vendor, actor, data=PDF_BYTES, name="report.pdf", **kwargs):
    params = {"kind": EvidenceKind.SECURITY_QUESTIONNAIRE, "title": "Security questionnaire 2026",
              "source": Evidence.Source.SELF_REPORTED, "effective_date": date(2026, 10, 1)} | kwargs
    return evidence_upload(actor=actor, vendor=vendor, content=SimpleUploadedFile("upload", data),
                           original_name=name, **params)


def stored_files(settings) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_upload_stores_the_file_with_its_fingerprint(lead, vendor, settings):
    evidence = upload(vendor, lead)

    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert evidence.size == len(PDF_BYTES)
    assert evidence.content_type == "application/pdf"
    assert evidence.original_name == "report.pdf"
    assert evidence.review_outcome == Evidence.Outcome.PENDING
    with default_storage.open(evidence.file.name, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == evidence.sha256
    assert evidence.file.name.startswith(f"evidence/{vendor.pk}/") and "report" not in evidence.file.name
    history = evidence.history.get()
    assert (history.history_user, history.history_change_reason) == (lead, "Evidence uploaded")


@pytest.mark.parametrize(("data", "name", "content_type"), [
    (PNG_BYTES, "diagram.png", "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.JPG", "image/jpeg"),
    (b"name,score\nacme,4\n", "scores.csv", "text/csv"),
    ("Notes from the visit — all fine.\n".encode(), "notes.txt", "text/plain"),
    (docx_bytes(), "policy.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_allowed_types_are_detected_by_content(lead, vendor, data, name, content_type):
    assert upload(vendor, lead, data=data, name=name).content_type == content_type


def assert_nothing_stored(settings, vendor):
    assert not Evidence.objects.filter(vendor=vendor).exists()
    assert not Evidence.history.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ\x90\x00" + b"\x00" * 60, "report.pdf", "not accepted (judged by its content)"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 30, "tool.txt", "not accepted"),
    (PNG_BYTES, "report.pdf", "content is a PNG image"),
    (PDF_BYTES, "report.exe", "content is a PDF document"),
    (b"<html><script>alert(1)</script></html>", "page.html", "content is a plain-text file"),
    (b"", "empty.pdf", "The file is empty"),
])
def test_wrong_types_are_refused_with_nothing_stored(lead, vendor, settings, data, name, message):
    with pytest.raises(ValidationError) as caught:
        upload(vendor, lead, data=data, name=name)

    assert message in caught.value.message_dict["file"][0]
    assert_nothing_stored(settings, vendor)


def test_oversize_files_are_refused_with_nothing_stored(lead, vendor, settings):
    settings.EVIDENCE_MAX_BYTES = 1024

    with pytest.raises(ValidationError, match="too large"):
        upload(vendor, lead, data=PDF_BYTES + b"0" * 1024)

    assert_nothing_stored(settings, vendor)
    assert upload(vendor, lead, data=PDF_BYTES.ljust(1024, b" ")).size == 1024  # exactly at the cap is fine


@pytest.mark.parametrize("name", [
    "../../etc/passwd.pdf", "..\\..\\boot.pdf", "/abs/path.pdf", "reports/../x.pdf", ".hidden.pdf",
    "a..pdf", "nul\x00.pdf", "invoice\u202efdp.pdf", "noextension", "x" * 300 + ".pdf", "",
])
def test_path_traversal_and_weird_names_are_refused(lead, vendor, settings, name):
    with pytest.raises(ValidationError) as caught:
        upload(vendor, lead, name=name)

    assert caught.value.message_dict["file"]
    assert_nothing_stored(settings, vendor)


def test_the_upload_form_shows_refusals_next_to_the_field(client, lead, vendor, settings):
    client.force_login(lead)
    response = client.post(reverse("vendors:evidence_upload", args=[vendor.pk]), {
        "file": SimpleUploadedFile("report.pdf", PNG_BYTES), "title": "Pen test", "kind": "pentest_summary",
        "source": "independent", "effective_date": "2026-10-01"})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page and "content is a PNG image" in page
    assert_nothing_stored(settings, vendor)


def test_upload_through_the_view_and_download_verifies(client, lead, vendor):
    client.force_login(lead)
    response = client.post(reverse("vendors:evidence_upload", args=[vendor.pk]), {
        "file": SimpleUploadedFile("pentest.pdf", PDF_BYTES), "title": "Pen test 2026", "kind": "pentest_summary",
        "source": "independent", "effective_date": "2026-10-01", "valid_until": "2027-10-01"})
    assert response.status_code == 302
    evidence = Evidence.objects.get(vendor=vendor)

    download = client.get(reverse("vendors:evidence_download", args=[vendor.pk, evidence.pk]))

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="pentest.pdf"'


def test_a_tampered_file_is_refused_at_download(client, lead, vendor):
    evidence = upload(vendor, lead)
    with default_storage.open(evidence.file.name, "wb") as handle:
        handle.write(PDF_BYTES.replace(b"Catalog", b"Katalog"))
    client.force_login(lead)

    response = client.get(reverse("vendors:evidence_download", args=[vendor.pk, evidence.pk]))

    assert response.status_code == 409
    assert "no longer matches the fingerprint recorded at upload" in response.content.decode()
    assert b"Katalog" not in response.content


def test_a_missing_file_is_refused_at_download(client, lead, vendor):
    evidence = upload(vendor, lead)
    default_storage.delete(evidence.file.name)
    client.force_login(lead)

    response = client.get(reverse("vendors:evidence_download", args=[vendor.pk, evidence.pk]))

    assert response.status_code == 409
    assert "is missing" in response.content.decode()


def test_a_new_version_is_a_new_record_linked_to_the_old(lead, vendor):
    old = upload(vendor, lead, kind=EvidenceKind.PENTEST_SUMMARY)
    new = upload(vendor, lead, data=PDF_BYTES + b"% v2\n", name="report-v2.pdf", supersedes=old,
                 kind=EvidenceKind.OTHER)

    old.refresh_from_db()
    assert new.supersedes == old and old.superseded_by == new
    assert new.kind == EvidenceKind.PENTEST_SUMMARY  # a version keeps the kind of what it replaces
    assert old.sha256 == hashlib.sha256(PDF_BYTES).hexdigest() and new.sha256 != old.sha256
    with default_storage.open(old.file.name, "rb") as handle:
        assert handle.read() == PDF_BYTES  # the old file is untouched
    with pytest.raises(ValidationError, match="already has a newer version"):
        upload(vendor, lead, supersedes=old)


def test_review_changes_only_the_review_fields(lead, vendor):
    evidence = upload(vendor, lead)
    before = (evidence.sha256, evidence.file.name, evidence.size, evidence.uploaded_at)

    with pytest.raises(ValidationError):
        evidence_review(actor=lead, evidence=evidence, outcome=Evidence.Outcome.REJECTED, notes="")
    reviewed = evidence_review(actor=lead, evidence=evidence, outcome=Evidence.Outcome.GAPS_NOTED,
                               notes="No section on model updates")

    reviewed.refresh_from_db()
    assert (reviewed.sha256, reviewed.file.name, reviewed.size, reviewed.uploaded_at) == before
    assert (reviewed.review_outcome, reviewed.reviewed_by) == ("gaps_noted", lead)
    assert reviewed.history.first().history_change_reason == "Reviewed: Gaps noted"


def test_only_procurement_leads_upload_and_review(make_user, vendor, settings):
    approver = make_user(Role.COMMITTEE_APPROVER)
    from vendors.services import vendor_grant_view

    vendor_grant_view(actor=vendor.owner, vendor=vendor, user=approver)
    with pytest.raises(PermissionDenied):
        upload(vendor, approver)
    assert_nothing_stored(settings, vendor)


def test_effective_date_after_valid_until_is_refused(lead, vendor, settings):
    with pytest.raises(ValidationError) as caught:
        upload(vendor, lead, effective_date=date(2026, 10, 1), valid_until=date(2026, 10, 1) - timedelta(days=1))

    assert "valid_until" in caught.value.message_dict
    assert_nothing_stored(settings, vendor)


def test_stored_evidence_cannot_be_changed_even_outside_the_services(lead, vendor):
    evidence = upload(vendor, lead)
    evidence.sha256 = "0" * 64

    with pytest.raises(ValidationError, match="immutable once stored"):
        evidence.save()
    evidence.refresh_from_db()
    evidence.valid_until = date(2030, 1, 1)
    with pytest.raises(ValidationError, match="valid_until"):
        evidence.save(update_fields=["valid_until"])

    assert Evidence.objects.get(pk=evidence.pk).sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert evidence.history.count() == 1
