"""The vendors part of the REST API (procurement.api): the registry as other systems read and feed it.

Reads are scoped by vendors.policies.vendor_policy (a vendor the caller may not see is 404, as on the pages) and
N+1-free: a page of vendors costs the same few queries whatever its length (evidence and attestations are
prefetched, the due-diligence plans read once). Writes call the same services as the pages.

Evidence: the service stores a file and computes its sha256, size and type itself, so the API takes the
evidence's metadata (kind, title, source, effective date, validity, file name) together with the file's bytes
in base64 (`content_base64`); the stored record, its fingerprint and its history are exactly those of an upload
through the page.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Prefetch
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from procurement import authz
from procurement.api.problems import COMMON_ERRORS, WRITE_ERRORS
from procurement.api.responses import Paging, conditional, page_schema, paginate
from vendors import selectors
from vendors.models import Attestation, Evidence, Vendor
from vendors.models.registry import AiActRole, EvidenceKind, OfferingType, Tier
from vendors.policies import vendor_policy
from vendors.services import evidence as evidence_services
from vendors.services import registry as registry_services

router = Router(tags=["vendors"])


# --- schemas ------------------------------------------------------------------------------------------------
class AttestationOut(Schema):
    id: int
    standard: str
    standard_label: str
    issuer: str
    scope: str
    issued_on: date
    expires_on: date
    evidence_id: int | None


class EvidenceOut(Schema):
    id: int
    kind: str
    title: str
    original_name: str
    sha256: str
    size: int
    content_type: str
    source: str
    effective_date: date
    valid_until: date | None
    uploaded_at: datetime
    review_outcome: str
    supersedes_id: int | None


class DueDiligenceOut(Schema):
    as_of: date
    complete: bool
    gaps: list[str]
    satisfied: list[str]


class VendorOut(Schema):
    id: int
    legal_name: str
    trading_name: str
    website: str
    country: str
    offering_type: str
    ai_act_role: str
    status: str
    tier: str = Field(description="critical, high, medium, low, or empty while untiered")
    tier_overridden: bool
    owner: str
    due_diligence: DueDiligenceOut
    attestations: list[AttestationOut]
    updated_at: datetime


class VendorDetailOut(VendorOut):
    description: str
    data_categories: list[str]
    evidence: list[EvidenceOut]


VendorPage = page_schema(VendorOut, "VendorPage")


class VendorFilters(Schema):
    q: str = Field("", max_length=100, description="Part of the legal or trading name, or the country code.")
    tier: str = Field("", description="critical, high, medium, low or untiered.")
    status: str = Field("", description="prospect, active, exiting, exited...")
    offering_type: str = ""
    attestation: str = Field("", description="valid, expiring, expired or none.")


class VendorIn(Schema):
    legal_name: str = Field(..., min_length=1, max_length=200)
    trading_name: str = Field("", max_length=200)
    website: str = Field("", max_length=200)
    country: str = Field(..., min_length=2, max_length=2, description="ISO 3166 two-letter code.")
    offering_type: OfferingType
    ai_act_role: AiActRole
    data_categories: list[str] = Field(default_factory=list, max_length=20)
    description: str = Field("", max_length=5000)


class EvidenceIn(Schema):
    kind: EvidenceKind
    title: str = Field(..., min_length=1, max_length=200)
    source: Evidence.Source
    effective_date: date
    valid_until: date | None = None
    original_name: str = Field(..., min_length=1, max_length=255, description="The file's name, e.g. soc2.pdf.")
    content_base64: str = Field(..., min_length=1, max_length=2_000_000,
                                description="The file's bytes, base64-encoded (at most about 1.4 MB here).")


# --- reading ------------------------------------------------------------------------------------------------
def _people(user) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


def _as_dict(vendor: Vendor, plans, today: date, *, detail: bool = False) -> dict:
    status = selectors.dd_checklist(vendor, today, plans=plans).status()
    data = {
        "id": vendor.pk, "legal_name": vendor.legal_name, "trading_name": vendor.trading_name,
        "website": vendor.website, "country": str(vendor.country or ""), "offering_type": vendor.offering_type,
        "ai_act_role": vendor.ai_act_role, "status": vendor.status, "tier": vendor.tier,
        "tier_overridden": vendor.tier_overridden, "owner": _people(vendor.owner),
        "due_diligence": {"as_of": status.as_of, "complete": status.complete, "gaps": list(status.gaps),
                          "satisfied": list(status.satisfied)},
        "attestations": list(vendor.attestations.all()), "updated_at": vendor.updated_at,
    }
    if detail:
        data.update(description=vendor.description, data_categories=list(vendor.data_categories or []),
                    evidence=sorted(vendor.evidence.all(), key=lambda e: (e.effective_date, e.pk)))
    return data


def _prefetched(qs):
    return qs.select_related("owner").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("pk")),
        Prefetch("attestations", queryset=Attestation.objects.select_related("evidence").order_by("expires_on", "pk")),
    )


@router.get("", response={200: VendorPage, 304: None, **COMMON_ERRORS}, url_name="vendor_list",
            summary="List the vendors you may see")
def vendor_list(request, filters: Query[VendorFilters], paging: Query[Paging]):
    """Ordered by legal name. Each vendor carries its tier, its due-diligence status today and its attestations."""
    qs = _prefetched(selectors.vendor_list(request.user, **filters.dict())).order_by("legal_name", "pk")
    today = timezone.localdate()

    def items(rows):
        plans = selectors.dd_plans() if rows else {}
        return [_as_dict(v, plans, today) for v in rows]

    return paginate(request, qs, paging, VendorPage, items=items)


def _visible_vendor(user, vendor_id: int) -> Vendor:
    return authz.get_for_user_or_404(user, vendor_policy, queryset=_prefetched(Vendor.objects.all()), pk=vendor_id)


@router.get("/{vendor_id}", response={200: VendorDetailOut, 304: None, **COMMON_ERRORS}, url_name="vendor_detail",
            summary="One vendor: tier, due-diligence status, attestations and evidence metadata")
def vendor_detail(request, vendor_id: int):
    vendor = _visible_vendor(request.user, vendor_id)
    return conditional(request, VendorDetailOut,
                       _as_dict(vendor, selectors.dd_plans(), timezone.localdate(), detail=True))


AttestationPage = page_schema(AttestationOut, "AttestationPage")


@router.get("/{vendor_id}/attestations", response={200: AttestationPage, 304: None, **COMMON_ERRORS},
            url_name="vendor_attestations", summary="A vendor's attestations, soonest expiry first")
def vendor_attestations(request, vendor_id: int, paging: Query[Paging]):
    vendor = authz.get_for_user_or_404(request.user, vendor_policy, pk=vendor_id)
    qs = Attestation.objects.filter(vendor=vendor).order_by("expires_on", "pk")
    return paginate(request, qs, paging, AttestationPage)


# --- writing ------------------------------------------------------------------------------------------------
@router.post("", response={201: VendorDetailOut, **WRITE_ERRORS}, url_name="vendor_register",
             summary="Register a vendor (procurement leads)")
def vendor_register(request, payload: VendorIn):
    data = payload.dict()
    vendor = registry_services.vendor_create(actor=request.user, reason="Vendor registered through the API", **data)
    vendor = _prefetched(Vendor.objects.all()).get(pk=vendor.pk)
    return Status(201, _as_dict(vendor, selectors.dd_plans(), timezone.localdate(), detail=True))


@router.post("/{vendor_id}/evidence", response={201: EvidenceOut, **WRITE_ERRORS}, url_name="vendor_evidence",
             summary="Record a piece of evidence (metadata and the file's bytes)")
def vendor_evidence_record(request, vendor_id: int, payload: EvidenceIn):
    vendor = authz.get_for_user_or_404(request.user, vendor_policy, action="upload_evidence", pk=vendor_id)
    try:
        raw = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"content_base64": "This is not valid base64."}) from None
    if not raw:
        raise ValidationError({"content_base64": "The file is empty."})
    return Status(201, evidence_services.evidence_upload(
        actor=request.user, vendor=vendor, content=ContentFile(raw, name=payload.original_name),
        original_name=payload.original_name, kind=payload.kind, title=payload.title, source=payload.source,
        effective_date=payload.effective_date, valid_until=payload.valid_until))


TIERS = [t.value for t in Tier]
