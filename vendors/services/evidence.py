"""Evidence files and attestations. A file is checked (name, size, type by content) and fingerprinted by
vendors.files.check_upload, stored under a name of ours (the upload is copied to storage in chunks, never read
whole into memory), and served only after its sha256 is re-checked (procurement.uploads.open_verified)."""

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from procurement import authz
from procurement.audit.history import attribute
from procurement.exceptions import EvidenceTampered
from procurement.notifications.services import notify
from procurement.services import model_save
from procurement.uploads import open_verified
from vendors import files
from vendors.models import Attestation, Evidence, Vendor
from vendors.policies import is_bidder_user, vendor_policy, vendor_portal_policy
from vendors.services import monitoring

__all__ = ["EvidenceTampered", "attestation_record", "evidence_review", "evidence_upload",
           "evidence_verified_file"]


@transaction.atomic
def evidence_upload(*, actor, vendor: Vendor, content, original_name: str, kind: str, title: str, source: str,
                    effective_date: date, valid_until: date | None = None,
                    supersedes: Evidence | None = None) -> Evidence:
    """Store a file as evidence. Name, size and type (by content) are checked first; nothing is stored
    (no file, no row, no history) when any check fails. The stored name is ours; the sha256 is computed here.

    A vendor's own contact (a bidder user, through the portal) is authorised by vendor_portal_policy and records
    only vendor self-reported evidence: any other source is refused, and they may replace only evidence that
    came through the portal (never what our people or third parties supplied). Their vendor's owner is told."""
    from_vendor = is_bidder_user(actor)
    authz.require(actor, vendor_portal_policy if from_vendor else vendor_policy, "upload_evidence", vendor)
    if from_vendor:
        if source != Evidence.Source.SELF_REPORTED:
            raise ValidationError({"source": "Evidence sent by the vendor is recorded as vendor self-reported."})
        if supersedes is not None and not (supersedes.vendor_id == vendor.pk and supersedes.uploaded_by.is_bidder):
            raise ValidationError({"supersedes": "You can replace only evidence your company sent through the "
                                                 "portal."})
    try:
        checked = files.check_upload(content, original_name, limit=settings.EVIDENCE_MAX_BYTES)
    except files.UploadRefused as exc:
        raise ValidationError({"file": str(exc)}) from None
    if supersedes is not None:
        supersedes = Evidence.objects.select_for_update().get(pk=supersedes.pk)
        if supersedes.vendor_id != vendor.pk:
            raise ValidationError({"supersedes": "That evidence belongs to another vendor."})
        if Evidence.objects.filter(supersedes=supersedes).exists():
            raise ValidationError({"supersedes": "That evidence already has a newer version; replace the newest."})
        kind = supersedes.kind
    evidence = Evidence(vendor=vendor, kind=kind, title=(title or "").strip(), original_name=checked.original_name,
                        sha256=checked.sha256, size=checked.size, content_type=checked.content_type,
                        source=source, effective_date=effective_date, valid_until=valid_until,
                        uploaded_at=timezone.now(), uploaded_by=actor, supersedes=supersedes)
    evidence.file.name = f"evidence/{vendor.pk}/{uuid.uuid4().hex}{checked.extension}"
    evidence.full_clean()
    stored = default_storage.save(evidence.file.name, content)  # rewound by check_upload; copied in chunks
    try:
        evidence.file.name = stored
        attribute(evidence, actor=actor, reason="New version uploaded" if supersedes else "Evidence uploaded")
        evidence.save()
    except Exception:
        default_storage.delete(stored)
        raise
    if from_vendor:
        _tell_owner_of_vendor_evidence(evidence)
    return evidence


def _tell_owner_of_vendor_evidence(evidence: Evidence) -> None:
    vendor = evidence.vendor
    notify(recipient=vendor.owner, kind="vendor_self_report", key=f"vendor_evidence:{evidence.pk}",
           subject=f"{vendor} sent evidence for review: {evidence.title}"[:200],
           body=(f"A contact of {vendor} uploaded “{evidence.title}” ({evidence.get_kind_display()}) through the "
                 "bidders' portal. It is recorded as vendor self-reported and waits for your review."),
           url=reverse("vendors:detail", args=[vendor.pk]) + "#evidence")


@transaction.atomic
def evidence_review(*, actor, evidence: Evidence, outcome: str, notes: str = "") -> Evidence:
    evidence = Evidence.objects.select_for_update().select_related("vendor").get(pk=evidence.pk)
    authz.require(actor, vendor_policy, "review_evidence", evidence.vendor)
    if outcome not in {Evidence.Outcome.ACCEPTED, Evidence.Outcome.REJECTED, Evidence.Outcome.GAPS_NOTED}:
        raise ValidationError({"review_outcome": "Choose accepted, rejected or gaps noted."})
    if outcome != Evidence.Outcome.ACCEPTED and not notes.strip():
        raise ValidationError({"review_notes": "Say what is wrong or missing."})
    evidence.review_outcome = outcome
    evidence.review_notes = notes.strip()
    evidence.reviewed_by = actor
    evidence.reviewed_at = timezone.now()
    attribute(evidence, actor=actor, reason=f"Reviewed: {Evidence.Outcome(outcome).label}")
    evidence.save(update_fields=["review_outcome", "review_notes", "reviewed_by", "reviewed_at"])
    if outcome == Evidence.Outcome.ACCEPTED:
        monitoring.dd_tasks_close_satisfied(vendor=evidence.vendor, actor=actor)
    return evidence


def evidence_verified_file(*, actor, evidence: Evidence):
    """A verified private copy of the stored file (procurement.uploads.open_verified), after checking the user
    may see the vendor; for a download view to stream (procurement.uploads.attachment_response closes it)."""
    authz.require(actor, vendor_policy, "view", evidence.vendor)
    return open_verified(evidence.file, sha256=evidence.sha256, what=f"The stored file for “{evidence.title}”")


@transaction.atomic
def attestation_record(*, actor, vendor: Vendor, standard: str, issuer: str, scope: str, issued_on: date,
                       expires_on: date, other_standard: str = "", evidence: Evidence | None = None,
                       reason: str = "Attestation recorded") -> Attestation:
    authz.require(actor, vendor_policy, "edit", vendor)
    attestation = Attestation(vendor=vendor, standard=standard, other_standard=other_standard.strip(),
                              issuer=issuer.strip(), scope=scope.strip(), issued_on=issued_on, expires_on=expires_on,
                              evidence=evidence)
    model_save(attestation, actor=actor, reason=reason)
    monitoring.attestation_recorded(attestation=attestation, actor=actor)
    return attestation
