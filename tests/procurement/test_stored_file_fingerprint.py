"""The one kernel check of a stored file's sha256 (procurement.uploads), used by every download that serves one:
vendor evidence, proposal documents and milestone acceptance files all refuse a missing or altered file with the
same exception (procurement.exceptions.EvidenceTampered)."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.exceptions import DomainError, EvidenceTampered
from procurement.uploads import UploadRefused, read_capped, read_verified, sha256_hex, sha256_of_stored
from tests.factories.vendors import PDF_BYTES
from vendors.files import check_upload
from vendors.models import Evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(tmp_path, settings):
    """A stored file behind a FieldFile, as the models hold it."""
    name = default_storage.save("fingerprint-test/report.pdf", ContentFile(PDF_BYTES))
    field_file = Evidence(file=name).file
    yield field_file
    if default_storage.exists(name):
        default_storage.delete(name)


def test_an_untouched_file_is_returned_and_its_streamed_sha256_matches(stored):
    digest = hashlib.sha256(PDF_BYTES).hexdigest()

    assert sha256_hex(PDF_BYTES) == digest
    assert sha256_of_stored(stored) == digest
    assert read_verified(stored, sha256=digest, what="The report") == PDF_BYTES


def test_an_altered_file_is_refused_and_not_returned(stored):
    digest = sha256_hex(PDF_BYTES)
    with default_storage.open(stored.name, "wb") as handle:
        handle.write(PDF_BYTES.replace(b"Catalog", b"Katalog"))

    with pytest.raises(EvidenceTampered, match="The report no longer matches the fingerprint") as refused:
        read_verified(stored, sha256=digest, what="The report")

    assert refused.value.missing is False
    assert digest[:12] in str(refused.value)


def test_a_missing_file_is_refused_as_missing(stored):
    default_storage.delete(stored.name)

    with pytest.raises(EvidenceTampered, match="The report is missing") as refused:
        read_verified(stored, sha256=sha256_hex(PDF_BYTES), what="The report")

    assert refused.value.missing is True


def test_a_file_that_was_never_stored_is_missing():
    with pytest.raises(EvidenceTampered) as refused:
        read_verified(Evidence().file, sha256="0" * 64)

    assert refused.value.missing is True


def test_every_app_refuses_with_the_one_kernel_exception():
    from contracts import services as contract_services
    from vendors import services as vendor_services

    assert vendor_services.EvidenceTampered is EvidenceTampered
    assert contract_services.EvidenceTampered is EvidenceTampered
    assert issubclass(EvidenceTampered, DomainError)


def test_reading_an_upload_stops_past_the_limit_and_rewinds():
    upload = SimpleUploadedFile("report.pdf", PDF_BYTES)

    assert read_capped(upload, len(PDF_BYTES)) == PDF_BYTES
    assert upload.read() == PDF_BYTES  # rewound: the caller can still store it
    with pytest.raises(UploadRefused, match="too large"):
        read_capped(SimpleUploadedFile("report.pdf", PDF_BYTES), len(PDF_BYTES) - 1)


def test_check_upload_fingerprints_what_it_accepts():
    checked = check_upload(SimpleUploadedFile("upload", PDF_BYTES), "report.pdf", limit=10 * len(PDF_BYTES))

    assert (checked.original_name, checked.sha256, checked.size, checked.content_type, checked.extension) == (
        "report.pdf", sha256_hex(PDF_BYTES), len(PDF_BYTES), "application/pdf", ".pdf")
    with pytest.raises(UploadRefused, match="content is a PDF"):
        check_upload(SimpleUploadedFile("upload", PDF_BYTES), "report.png", limit=10 * len(PDF_BYTES))
