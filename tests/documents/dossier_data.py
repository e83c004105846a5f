"""A vendor with everything the dossier shows, built straight from the models (saved with history)."""

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from procurement.audit.history import attribute
from vendors.models import Attestation, Evidence, EvidenceKind, Risk, Subprocessor, TierAssessment, Vendor


def _save(obj, actor):
    attribute(obj, actor=actor, reason="Test data")
    obj.full_clean()
    obj.save()
    return obj


def full_vendor(owner, *, legal_name="Lumen Models Ltd", description="Hosted *foundation-model* API.") -> Vendor:
    today = timezone.localdate()
    vendor = _save(Vendor(legal_name=legal_name, trading_name="Lumen", country="GB",
                          offering_type="foundation_model_api", ai_act_role="gpai_provider",
                          data_categories=["personal", "customer_content"],
                          description=description, owner=owner), owner)
    _save(TierAssessment(vendor=vendor, kind=TierAssessment.Kind.QUESTIONNAIRE, computed_tier="high", tier="high",
                         reasons=["Processes personal data", "Business-critical workflow"], assessed_by=owner), owner)
    vendor.tier = "high"
    _save(vendor, owner)
    for n, (kind, title) in enumerate([(EvidenceKind.SECURITY_QUESTIONNAIRE, "Security questionnaire 2026"),
                                       (EvidenceKind.PENTEST_SUMMARY, "Pen-test summary Q3")]):
        content = f"evidence {n} of {legal_name}".encode()
        evidence = Evidence(vendor=vendor, kind=kind, title=title, original_name=f"file{n}.pdf",
                            sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                            content_type="application/pdf", source=Evidence.Source.INDEPENDENT,
                            effective_date=today - timedelta(days=40), valid_until=today + timedelta(days=300),
                            uploaded_by=owner, review_outcome=Evidence.Outcome.ACCEPTED, reviewed_by=owner)
        evidence.file.save(f"evidence-{vendor.pk}-{n}.pdf", ContentFile(content), save=False)
        _save(evidence, owner)
    _save(Attestation(vendor=vendor, standard=Attestation.Standard.ISO_27001, issuer="Audit Bureau",
                      scope="Model hosting", issued_on=today - timedelta(days=100),
                      expires_on=today + timedelta(days=30)), owner)
    for title, inherent, residual in [("Model deprecation without notice", (4, 4), (2, 3)),
                                      ("Prompt data retained for training", (3, 5), (1, 5))]:
        _save(Risk(vendor=vendor, title=title, category=Risk.Category.MODEL_CHANGE,
                   inherent_likelihood=inherent[0], inherent_impact=inherent[1], residual_likelihood=residual[0],
                   residual_impact=residual[1], mitigations="Contractual *notice* period", owner=owner,
                   review_date=today + timedelta(days=90)), owner)
    _save(Subprocessor(vendor=vendor, name="Cloudy Hosting BV", purpose="GPU hosting", location="Netherlands"), owner)
    return vendor
