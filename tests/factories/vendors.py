import datetime
import hashlib

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from vendors.models import AiActRole, Attestation, Evidence, EvidenceKind, OfferingType, Risk, Vendor

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    legal_name = factory.Sequence(lambda n: f"Vendor {n} Ltd")
    trading_name = factory.Sequence(lambda n: f"Vendor {n}")
    country = "GB"
    offering_type = OfferingType.AI_SAAS
    ai_act_role = AiActRole.PROVIDER
    data_categories = factory.LazyFunction(lambda: ["personal"])
    owner = factory.SubFactory(UserFactory, roles=[Role.PROCUREMENT_LEAD])


class EvidenceFactory(factory.django.DjangoModelFactory):
    """A stored evidence row with a real file (bypasses the upload checks; use the service to test those)."""

    class Meta:
        model = Evidence

    vendor = factory.SubFactory(VendorFactory)
    kind = EvidenceKind.SECURITY_QUESTIONNAIRE
    title = factory.Sequence(lambda n: f"Evidence {n}")
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="evidence.pdf"))
    original_name = "evidence.pdf"
    sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    size = len(PDF_BYTES)
    content_type = "application/pdf"
    source = Evidence.Source.INDEPENDENT
    effective_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    valid_until = None
    uploaded_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))
    uploaded_by = factory.LazyAttribute(lambda e: e.vendor.owner)
    review_outcome = Evidence.Outcome.ACCEPTED
    reviewed_by = factory.LazyAttribute(lambda e: e.vendor.owner)


class AttestationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attestation

    vendor = factory.SubFactory(VendorFactory)
    standard = Attestation.Standard.ISO_27001
    issuer = "Example Certification Body"
    scope = "Hosted service operations"
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=200))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=400))


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Risk {n}")
    category = Risk.Category.SECURITY
    inherent_likelihood = 3
    inherent_impact = 4
    residual_likelihood = 1
    residual_impact = 2
    owner = factory.SubFactory(UserFactory)
    review_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=90))
