"""The vendor due-diligence dossier, rendered on the embedded default and read back with pypdf."""

import io

import pypdf
import pytest
from django.urls import reverse

from procurement.audit.history import attribute
from procurement.documents import services
from procurement.documents.models import RenderedDocument
from procurement.documents.registry import get_kind
from tests.documents.dossier_data import full_vendor
from vendors.dossier import KIND

pytestmark = pytest.mark.django_db


def read_pdf(content: bytes) -> tuple[str, int]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(p.extract_text() for p in reader.pages), len(reader.pages)


def test_the_dossier_kind_is_registered_at_startup():
    kind = get_kind(KIND)
    assert kind.template == "vendors/dossier.html" and kind.source_model == "vendors.Vendor"
    from vendors.policies import vendor_policy

    assert kind.get_policy() is vendor_policy


def test_the_dossier_shows_vendor_tier_plan_evidence_attestations_risks_and_subprocessors(
        client, lead, django_capture_on_commit_callbacks):
    vendor = full_vendor(lead)
    client.force_login(lead)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:request", args=[KIND, vendor.pk]))
    doc = RenderedDocument.objects.get()
    assert doc.status == RenderedDocument.Status.READY, doc.error
    response = client.get(reverse("documents:download", args=[doc.pk]))
    text, pages = read_pdf(b"".join(response.streaming_content))
    flat = text.replace("\n", " ")

    assert response["Content-Disposition"] == 'attachment; filename="lumen-dd-dossier-v1.pdf"'
    assert pages == doc.page_count >= 2
    assert "Lumen Models Ltd" in flat and "High" in flat and "Processes personal data" in flat
    for evidence in vendor.evidence.all():
        assert evidence.sha256 in flat
    assert "Model deprecation without notice" in flat and "Prompt data retained for training" in flat
    assert "4 × 4 = 16" in flat and "2 × 3 = 6" in flat
    assert "ISO/IEC 27001" in flat and "Expiring soon" in flat
    assert "Cloudy Hosting BV" in flat
    assert "foundation-model" in flat  # the Markdown description, rendered
    assert f"page 1 of {pages}" in flat and doc.source_hash in text.replace("\n", "")


def test_a_change_to_what_the_dossier_shows_gives_a_new_version(lead, django_capture_on_commit_callbacks):
    vendor = full_vendor(lead)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.document_request(kind=KIND, source=vendor, actor=lead)
    risk = vendor.risks.first()
    risk.title = "Renamed risk"
    attribute(risk, actor=lead, reason="test")
    risk.save()

    with django_capture_on_commit_callbacks(execute=True):
        second = services.document_request(kind=KIND, source=vendor, actor=lead)

    first.refresh_from_db()
    assert second.pk != first.pk and second.version == 2 and first.status == RenderedDocument.Status.STALE


def test_people_outside_the_vendor_get_404(client, stranger, lead, django_capture_on_commit_callbacks):
    vendor = full_vendor(lead)
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.document_request(kind=KIND, source=vendor, actor=lead)
    client.force_login(stranger)
    assert client.get(reverse("documents:status", args=[KIND, vendor.pk])).status_code == 404
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404


def test_an_untiered_vendor_with_nothing_yet_still_renders(lead, django_capture_on_commit_callbacks):
    from tests.factories.vendors import VendorFactory

    vendor = VendorFactory(owner=lead, legal_name="Bare Vendor Ltd", tier="")
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.document_request(kind=KIND, source=vendor, actor=lead)
    doc.refresh_from_db()
    assert doc.status == RenderedDocument.Status.READY, doc.error
    with doc.file.open("rb") as handle:
        text, _ = read_pdf(handle.read())
    assert "Not tiered yet" in text and "No evidence uploaded." in text


def test_the_vendor_page_carries_the_dossier_component(client, lead, django_capture_on_commit_callbacks):
    vendor = full_vendor(lead)
    client.force_login(lead)

    before = client.get(vendor.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("documents:request", args=[KIND, vendor.pk]))
    during = client.get(vendor.get_absolute_url()).content.decode()

    assert f'id="document-{KIND}-{vendor.pk}"' in before and "Not rendered yet." in before
    assert reverse("documents:request", args=[KIND, vendor.pk]) in before
    assert "Waiting for the renderer" in during and 'data-poll-delay="1000"' in during
    assert reverse("documents:status", args=[KIND, vendor.pk]) in during
