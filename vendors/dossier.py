"""The vendor due-diligence dossier: the first rendered document kind.

Registered with the document pipeline at start-up (procurement.documents.apps imports this module). The
context is plain data built from the vendor's registry, tiering, due-diligence plan, evidence, attestations,
risk register and subprocessors, judged on the day it is built; its hash is the dossier's source hash, so any
change to what the dossier shows (including the judgement date) gives a new version.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.text import slugify

from procurement.documents.registry import DocumentKind, register
from procurement.markdown import render_markdown
from vendors.models import DataCategory, Evidence, Vendor
from vendors.policies import vendor_policy
from vendors.risk import RATING_LABELS
from vendors.selectors import dd_checklist, latest_assessment, vendor_detail_queryset

KIND = "vendor_dd_dossier"


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _tier(vendor: Vendor) -> dict:
    assessment = latest_assessment(vendor)
    if not vendor.tier:
        return {"code": "", "label": "Not tiered yet", "overridden": False,
                "reasons": ["No tiering assessment yet: the strictest (critical) due-diligence plan applies."],
                "assessed_at": None, "assessed_by": ""}
    if assessment is None:
        reasons = []
    elif assessment.is_override:
        reasons = [f"Manual override: {assessment.reason}"]
        if assessment.computed_tier:
            reasons.append(f"The questionnaire had said {assessment.get_computed_tier_display()}.")
    else:
        reasons = list(assessment.reasons)
    return {
        "code": vendor.tier,
        "label": vendor.get_tier_display(),
        "overridden": vendor.tier_overridden,
        "reasons": reasons,
        "assessed_at": assessment.assessed_at if assessment else None,
        "assessed_by": _person(assessment.assessed_by) if assessment else "",
    }


def _evidence(vendor: Vendor) -> list[dict]:
    replaced = {e.supersedes_id for e in vendor.evidence.all() if e.supersedes_id}
    rows = sorted(vendor.evidence.all(), key=lambda e: (e.get_kind_display(), e.effective_date, e.pk))
    return [{
        "title": e.title,
        "kind": e.get_kind_display(),
        "source": e.get_source_display(),
        "effective_date": e.effective_date,
        "valid_until": e.valid_until,
        "uploaded_at": e.uploaded_at,
        "review": e.get_review_outcome_display(),
        "review_code": e.review_outcome,
        "original_name": e.original_name,
        "size": e.size,
        "sha256": e.sha256,
        "superseded": e.pk in replaced,
    } for e in rows]


def _attestations(vendor: Vendor, as_of: date) -> list[dict]:
    return [{
        "standard": a.standard_label,
        "issuer": a.issuer,
        "scope": a.scope,
        "issued_on": a.issued_on,
        "expires_on": a.expires_on,
        "state": a.status_on(as_of),
        "state_label": a.status_label_on(as_of),
        "evidence_sha256": a.evidence.sha256 if a.evidence_id else "",
    } for a in sorted(vendor.attestations.all(), key=lambda a: (a.expires_on, a.pk))]


def _risks(vendor: Vendor) -> list[dict]:
    rows = sorted(vendor.risks.all(), key=lambda r: (-r.residual_score, -r.inherent_score, r.pk))
    return [{
        "title": r.title,
        "category": r.get_category_display(),
        "description": render_markdown(r.description),
        "mitigations": render_markdown(r.mitigations),
        "inherent": f"{r.inherent_likelihood} × {r.inherent_impact} = {r.inherent_score}",
        "inherent_rating": RATING_LABELS[r.inherent_rating],
        "inherent_code": r.inherent_rating,
        "residual": f"{r.residual_likelihood} × {r.residual_impact} = {r.residual_score}",
        "residual_rating": RATING_LABELS[r.residual_rating],
        "residual_code": r.residual_rating,
        "status": r.get_status_display(),
        "owner": _person(r.owner),
        "review_date": r.review_date,
        "accepted_by": _person(r.accepted_by),
        "acceptance_reason": r.acceptance_reason,
    } for r in rows]


def dossier_context(vendor: Vendor, *, as_of: date | None = None) -> dict:
    """Everything the dossier prints, as plain data (narratives already sanitised HTML)."""
    as_of = as_of or timezone.localdate()
    vendor = vendor_detail_queryset().get(pk=vendor.pk)
    checklist = dd_checklist(vendor, as_of)
    obligations = checklist.obligations
    return {
        "as_of": as_of,
        "vendor": {
            "legal_name": vendor.legal_name,
            "trading_name": vendor.trading_name,
            "country": vendor.country,
            "website": vendor.website,
            "offering_type": vendor.get_offering_type_display(),
            "ai_act_role": vendor.get_ai_act_role_display(),
            "status": vendor.get_status_display(),
            "owner": _person(vendor.owner),
            "data_categories": [DataCategory(c).label if c in DataCategory.values else c
                                for c in vendor.data_categories or []],
            "description": render_markdown(vendor.description),
        },
        "tier": _tier(vendor),
        "plan": {
            "tier_label": dict(Vendor._meta.get_field("tier").choices).get(checklist.tier, checklist.tier),
            "tiered": checklist.tiered,
            "references_required": obligations.references_required,
            "independent_references_required": obligations.independent_references_required,
            "pov_required": obligations.pov_required,
            "items": [{"label": item.label, "satisfied": item.satisfied, "detail": item.detail,
                       "guidance": item.guidance} for item in checklist.items],
            "done": checklist.done_count,
            "total": len(checklist.items),
            "complete": checklist.complete,
            "gaps": list(checklist.gaps),
        },
        "evidence": _evidence(vendor),
        "attestations": _attestations(vendor, as_of),
        "risks": _risks(vendor),
        "subprocessors": [{"name": s.name, "purpose": s.purpose, "location": s.location}
                          for s in vendor.subprocessors.all()],
        "evidence_outcomes": {"accepted": Evidence.Outcome.ACCEPTED},
    }


def dossier_file_stem(vendor: Vendor, version: int) -> str:
    slug = slugify(vendor.trading_name or vendor.legal_name) or f"vendor-{vendor.pk}"
    return f"{slug}-dd-dossier-v{version}"


DOSSIER = register(DocumentKind(
    key=KIND,
    label="Due-diligence dossier",
    source_model="vendors.Vendor",
    policy=vendor_policy,
    template="vendors/dossier.html",
    build_context=dossier_context,
    filename=dossier_file_stem,
    title=lambda vendor: f"Due-diligence dossier — {vendor.legal_name}",
    reference=lambda vendor: f"Vendor #{vendor.pk}",
    source_label="vendor",
), replace=True)
