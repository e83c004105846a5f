"""Every write of the vendors app. Keyword-only, `actor` first; each service checks the policy, validates,
owns its transaction and leaves a history row with the actor and a reason."""

import hashlib
import uuid
from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from procurement import authz
from procurement.accounts.models import User
from procurement.accounts.roles import Role, has_role, roles_of
from procurement.audit.history import attribute
from procurement.exceptions import DomainError, InvalidTransition
from procurement.statemachine import ensure_transition
from vendors import files, tiering
from vendors.models import (
    Attestation,
    Evidence,
    ReassessmentTrigger,
    Risk,
    Subprocessor,
    Tier,
    TierAssessment,
    Vendor,
    VendorContact,
    VendorUserObjectPermission,
)
from vendors.policies import vendor_policy
from vendors.risk import acceptance_refusal
from vendors.services import monitoring
from vendors.transitions import RISK_STATUS, VENDOR_STATUS

VENDOR_EDITABLE = ("legal_name", "trading_name", "website", "country", "offering_type", "ai_act_role",
                   "data_categories", "description", "owner")
RISK_EDITABLE = ("title", "description", "category", "context", "inherent_likelihood", "inherent_impact",
                 "residual_likelihood", "residual_impact", "mitigations", "owner", "review_date")
RATING_FIELDS = ("residual_likelihood", "residual_impact", "inherent_likelihood", "inherent_impact")


class EvidenceTampered(DomainError):
    """The stored file no longer matches the sha256 recorded at upload."""


def _need_reason(reason: str, field: str = "reason") -> str:
    if not reason or not reason.strip():
        raise ValidationError({field: "Give a reason; it is kept in the audit trail."})
    return reason.strip()


def _check_owner(owner) -> None:
    if owner is None or not owner.is_active or not (owner.is_superuser or has_role(owner, Role.PROCUREMENT_LEAD)):
        raise ValidationError({"owner": "The owner must be an active Procurement lead."})


# --- vendors ----------------------------------------------------------------------------------------------


@transaction.atomic
def vendor_create(*, actor, legal_name: str, country: str, offering_type: str, ai_act_role: str,
                  trading_name: str = "", website: str = "", data_categories: list[str] | tuple = (),
                  description: str = "", owner=None, reason: str = "Vendor registered") -> Vendor:
    authz.require(actor, vendor_policy, "create")
    owner = owner or actor
    _check_owner(owner)
    vendor = Vendor(legal_name=legal_name.strip(), trading_name=trading_name.strip(), website=website,
                    country=(country or "").strip().upper(), offering_type=offering_type, ai_act_role=ai_act_role,
                    data_categories=list(data_categories), description=description, owner=owner)
    vendor.full_clean()
    attribute(vendor, actor=actor, reason=reason)
    vendor.save()
    return vendor


@transaction.atomic
def vendor_update(*, actor, vendor: Vendor, reason: str = "Vendor details edited", **changes) -> Vendor:
    unknown = set(changes) - set(VENDOR_EDITABLE)
    if unknown:
        raise ValueError(f"vendor_update cannot change: {', '.join(sorted(unknown))}")
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    authz.require(actor, vendor_policy, "edit", vendor)
    for name, value in changes.items():
        setattr(vendor, name, value)
    if "owner" in changes:
        _check_owner(vendor.owner)
    vendor.full_clean()
    attribute(vendor, actor=actor, reason=reason)
    vendor.save()
    return vendor


@transaction.atomic
def vendor_set_status(*, actor, vendor: Vendor, status: str, reason: str) -> Vendor:
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    authz.require(actor, vendor_policy, "edit", vendor)
    reason = _need_reason(reason)
    ensure_transition(VENDOR_STATUS, vendor.status, status, labels=dict(Vendor.Status.choices),
                      subject=f"Vendor {vendor}")
    vendor.status = status
    attribute(vendor, actor=actor, reason=reason)
    vendor.save(update_fields=["status", "updated_at"])
    return vendor


class VendorHasOpenContracts(InvalidTransition):
    """The vendor still has a contract that is not closed, so it cannot be marked exited."""


def _may_mark_exited(actor, vendor: Vendor) -> bool:
    """A Procurement lead, or someone on the team of one of the vendor's contracts (the person closing the last
    contract, who may not otherwise see the vendor)."""
    from contracts.models import Contract

    if not authz.is_active_user(actor) or (has_role(actor, Role.AUDITOR) and not actor.is_superuser):
        return False
    if actor.is_superuser or has_role(actor, Role.PROCUREMENT_LEAD):
        return True
    team = Q(post_award_manager=actor) | Q(negotiation_lead=actor)
    return Contract.objects.filter(team, vendor=vendor).exists()


@transaction.atomic
def vendor_mark_exited(*, vendor: Vendor, actor, reason: str) -> Vendor:
    """Move the vendor to exited once none of its contracts is open (called when the last contract closes).

    An active vendor passes through exiting in the same transaction (two history rows, both with the reason),
    so the status machine keeps its single path out of active. Already exited: returned unchanged.
    """
    from contracts.models import Contract

    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if not _may_mark_exited(actor, vendor):
        raise PermissionDenied("Only a Procurement lead or the contract's team may mark the vendor exited.")
    reason = _need_reason(reason)
    if vendor.status == Vendor.Status.EXITED:
        return vendor
    open_refs = list(Contract.objects.filter(vendor=vendor).exclude(status=Contract.Status.CLOSED)
                     .order_by("reference").values_list("reference", flat=True))
    if open_refs:
        raise VendorHasOpenContracts(
            f"Vendor {vendor} still has open contracts ({', '.join(open_refs)}); close them before marking "
            "the vendor exited.")
    labels = dict(Vendor.Status.choices)
    if vendor.status == Vendor.Status.ACTIVE:
        ensure_transition(VENDOR_STATUS, vendor.status, Vendor.Status.EXITING, labels=labels,
                          subject=f"Vendor {vendor}")
        vendor.status = Vendor.Status.EXITING
        attribute(vendor, actor=actor, reason=f"Exiting: {reason}")
        vendor.save(update_fields=["status", "updated_at"])
    ensure_transition(VENDOR_STATUS, vendor.status, Vendor.Status.EXITED, labels=labels, subject=f"Vendor {vendor}")
    vendor.status = Vendor.Status.EXITED
    attribute(vendor, actor=actor, reason=f"Exited: {reason}")
    vendor.save(update_fields=["status", "updated_at"])
    return vendor


@transaction.atomic
def vendor_grant_view(*, actor, vendor: Vendor, user, reason: str = "Access granted") -> VendorUserObjectPermission:
    authz.require(actor, vendor_policy, "grant", vendor)
    if not user.is_active:
        raise ValidationError({"user": "That account is inactive."})
    permission = Permission.objects.get(content_type__app_label="vendors", codename="view_vendor")
    existing = VendorUserObjectPermission.objects.filter(user=user, permission=permission,
                                                         content_object=vendor).first()
    if existing:
        return existing
    grant = VendorUserObjectPermission(user=user, permission=permission, content_object=vendor)
    grant.full_clean()
    attribute(grant, actor=actor, reason=reason)
    grant.save()
    return grant


@transaction.atomic
def vendor_revoke_view(*, actor, grant: VendorUserObjectPermission, reason: str = "Access withdrawn") -> None:
    authz.require(actor, vendor_policy, "grant", grant.content_object)
    attribute(grant, actor=actor, reason=_need_reason(reason))
    grant.delete()


@transaction.atomic
def contact_add(*, actor, vendor: Vendor, name: str, role: str = "", email: str = "", phone: str = "") -> VendorContact:
    authz.require(actor, vendor_policy, "edit", vendor)
    contact = VendorContact(vendor=vendor, name=name.strip(), role=role.strip(), email=email, phone=phone.strip())
    contact.full_clean()
    attribute(contact, actor=actor, reason="Contact added")
    contact.save()
    return contact


@transaction.atomic
def contact_remove(*, actor, contact: VendorContact, reason: str = "Contact removed") -> None:
    authz.require(actor, vendor_policy, "edit", contact.vendor)
    attribute(contact, actor=actor, reason=reason)
    contact.delete()


@transaction.atomic
def subprocessor_add(*, actor, vendor: Vendor, name: str, purpose: str, location: str) -> Subprocessor:
    authz.require(actor, vendor_policy, "edit", vendor)
    sub = Subprocessor(vendor=vendor, name=name.strip(), purpose=purpose.strip(), location=location.strip())
    sub.full_clean()
    attribute(sub, actor=actor, reason="Subprocessor added")
    sub.save()
    return sub


@transaction.atomic
def subprocessor_remove(*, actor, subprocessor: Subprocessor, reason: str = "Subprocessor removed") -> None:
    authz.require(actor, vendor_policy, "edit", subprocessor.vendor)
    attribute(subprocessor, actor=actor, reason=reason)
    subprocessor.delete()


# --- tiering ----------------------------------------------------------------------------------------------


def _apply_tier(vendor: Vendor, assessment: TierAssessment, *, actor, reason: str) -> None:
    vendor.tier = assessment.tier
    vendor.tier_overridden = assessment.is_override
    attribute(vendor, actor=actor, reason=reason)
    vendor.save(update_fields=["tier", "tier_overridden", "updated_at"])


@transaction.atomic
def tier_assess(*, actor, vendor: Vendor, answers: Mapping[str, str],
                reason: str = "Tiering questionnaire answered", rules=None) -> TierAssessment:
    """Run the rule table on the answers, keep the assessment, and make its tier the vendor's tier.
    A new questionnaire replaces an override in force (the newest assessment always governs)."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    authz.require(actor, vendor_policy, "tier", vendor)
    try:
        result = tiering.assess(answers, rules)
    except tiering.InvalidAnswers as exc:
        raise ValidationError(str(exc)) from None
    assessment = TierAssessment(vendor=vendor, kind=TierAssessment.Kind.QUESTIONNAIRE, answers=dict(answers),
                                computed_tier=result.tier, tier=result.tier, reasons=list(result.reasons),
                                reason=reason, assessed_by=actor)
    assessment.full_clean()
    attribute(assessment, actor=actor, reason=reason)
    assessment.save()
    before = vendor.tier
    _apply_tier(vendor, assessment, actor=actor, reason=f"Tier {result.tier} from questionnaire")
    monitoring.after_tier_change(vendor=vendor, before=before, assessment=assessment, actor=actor)
    return assessment


@transaction.atomic
def tier_override(*, actor, vendor: Vendor, tier: str, reason: str) -> TierAssessment:
    """Set the tier by hand. Only a Procurement lead, always with a reason; shown as an override."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    authz.require(actor, vendor_policy, "override_tier", vendor)
    reason = _need_reason(reason)
    if tier not in Tier.values:
        raise ValidationError({"tier": "Choose one of the tiers."})
    latest = vendor.tier_assessments.order_by("-assessed_at", "-pk").first()
    assessment = TierAssessment(vendor=vendor, kind=TierAssessment.Kind.OVERRIDE, tier=tier, reason=reason,
                                computed_tier=(latest.computed_tier if latest else ""),
                                answers=(latest.answers if latest else {}), assessed_by=actor)
    assessment.full_clean()
    attribute(assessment, actor=actor, reason=f"Override: {reason}")
    assessment.save()
    before = vendor.tier
    _apply_tier(vendor, assessment, actor=actor, reason=f"Tier overridden to {tier}: {reason}")
    monitoring.after_tier_change(vendor=vendor, before=before, assessment=assessment, actor=actor)
    return assessment


@transaction.atomic
def trigger_record(*, actor, vendor: Vendor, kind: str, occurred_on: date | None, description: str,
                   answers: Mapping[str, str] | None = None) -> ReassessmentTrigger:
    """Record something that calls the tier into question and reassess at once.

    The tier rules are run again on the latest assessment's answers with `answers` laid over them (a change of
    data processed, say, raises the data sensitivity). The result becomes the tier in force, like any new
    questionnaire (it replaces an override, and says so). A rise opens the new plan's missing due-diligence
    items as tasks; a fall keeps every open task and names what the lower plan no longer asks for
    (vendors.services.monitoring.after_tier_change).
    """
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    authz.require(actor, vendor_policy, "record_trigger", vendor)
    errors: dict[str, str] = {}
    if kind not in ReassessmentTrigger.Kind.values:
        errors["kind"] = "Choose what happened."
    if not description or not description.strip():
        errors["description"] = "Say what changed; it is kept with the reassessment."
    if occurred_on is None:
        errors["occurred_on"] = "Give the date it happened or came to light."
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = "Cannot be in the future."
    given = {code: value for code, value in (answers or {}).items() if value not in (None, "")}
    for code, value in given.items():
        question = tiering.QUESTIONS_BY_CODE.get(code)
        if question is None:
            errors["__all__"] = f"Unknown question {code!r}."
        elif value not in dict(question.answers):
            errors[code] = "Choose one of the answers."
    if vendor.status == Vendor.Status.EXITED:
        errors["__all__"] = "The vendor has exited; there is nothing to reassess."
    latest = vendor.tier_assessments.order_by("-assessed_at", "-pk").first()
    if latest is None or not latest.answers:
        errors["__all__"] = "Answer the tiering questionnaire first; a trigger reassesses an existing tiering."
    if errors:
        raise ValidationError(errors)
    merged = {**latest.answers, **given}
    try:
        result = tiering.assess(merged)
    except tiering.InvalidAnswers as exc:
        raise ValidationError(str(exc)) from None
    label = ReassessmentTrigger.Kind(kind).label
    changes = {code: [latest.answers.get(code, ""), value] for code, value in given.items()
               if latest.answers.get(code) != value}
    reason = f"Reassessed after a trigger: {label}"
    was_overridden = vendor.tier_overridden
    if was_overridden:
        reason += f" (replaces the manual override to {vendor.get_tier_display()})"
    assessment = TierAssessment(vendor=vendor, kind=TierAssessment.Kind.QUESTIONNAIRE, answers=merged,
                                computed_tier=result.tier, tier=result.tier, reasons=list(result.reasons),
                                reason=reason, assessed_by=actor)
    assessment.full_clean()
    attribute(assessment, actor=actor, reason=reason)
    assessment.save()
    before = vendor.tier
    trigger = ReassessmentTrigger(vendor=vendor, kind=kind, occurred_on=occurred_on,
                                  description=description.strip(), answer_changes=changes, tier_before=before,
                                  tier_after=result.tier, assessment=assessment, recorded_by=actor)
    trigger.full_clean()
    attribute(trigger, actor=actor, reason=f"Trigger recorded: {label}")
    trigger.save()
    _apply_tier(vendor, assessment, actor=actor, reason=f"Tier {result.tier} after trigger: {label}")
    outcome = monitoring.after_tier_change(vendor=vendor, before=before, assessment=assessment, actor=actor,
                                           trigger=trigger)
    if was_overridden:
        outcome += " The manual override in force before was replaced by this reassessment."
    trigger.outcome = outcome
    attribute(trigger, actor=actor, reason=outcome)
    trigger.save(update_fields=["outcome"])
    return trigger


# --- evidence ---------------------------------------------------------------------------------------------


def _read_capped(content, limit: int) -> bytes:
    """Read at most limit+1 bytes, so an oversize file is noticed without reading all of it."""
    if hasattr(content, "seek"):
        content.seek(0)
    size = getattr(content, "size", None)
    if size is not None and size > limit:
        raise files.UploadRefused(_too_big(size, limit))
    chunks, total = [], 0
    reader = content.chunks() if hasattr(content, "chunks") else iter(lambda: content.read(65536), b"")
    for chunk in reader:
        total += len(chunk)
        if total > limit:
            raise files.UploadRefused(_too_big(total, limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(size: int, limit: int) -> str:
    return (f"The file is too large ({size / 1048576:.1f} MB, or more); the limit is "
            f"{limit / 1048576:.1f} MB.")


@transaction.atomic
def evidence_upload(*, actor, vendor: Vendor, content, original_name: str, kind: str, title: str, source: str,
                    effective_date: date, valid_until: date | None = None,
                    supersedes: Evidence | None = None) -> Evidence:
    """Store a file as evidence. Name, size and type (by content) are checked first; nothing is stored
    (no file, no row, no history) when any check fails. The stored name is ours; the sha256 is computed here."""
    authz.require(actor, vendor_policy, "upload_evidence", vendor)
    try:
        name = files.clean_name(original_name)
        data = _read_capped(content, settings.EVIDENCE_MAX_BYTES)
        detected = files.detect(data, name)
    except files.UploadRefused as exc:
        raise ValidationError({"file": str(exc)}) from None
    if supersedes is not None:
        supersedes = Evidence.objects.select_for_update().get(pk=supersedes.pk)
        if supersedes.vendor_id != vendor.pk:
            raise ValidationError({"supersedes": "That evidence belongs to another vendor."})
        if Evidence.objects.filter(supersedes=supersedes).exists():
            raise ValidationError({"supersedes": "That evidence already has a newer version; replace the newest."})
        kind = supersedes.kind
    evidence = Evidence(vendor=vendor, kind=kind, title=(title or "").strip(), original_name=name,
                        sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type=detected.content_type,
                        source=source, effective_date=effective_date, valid_until=valid_until,
                        uploaded_at=timezone.now(), uploaded_by=actor, supersedes=supersedes)
    evidence.file.name = f"evidence/{vendor.pk}/{uuid.uuid4().hex}{detected.extension}"
    evidence.full_clean()
    stored = default_storage.save(evidence.file.name, ContentFile(data))
    try:
        evidence.file.name = stored
        attribute(evidence, actor=actor, reason="New version uploaded" if supersedes else "Evidence uploaded")
        evidence.save()
    except Exception:
        default_storage.delete(stored)
        raise
    return evidence


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


def evidence_verified_content(*, actor, evidence: Evidence) -> bytes:
    """The stored bytes, after checking the user may see the vendor and the sha256 still matches."""
    authz.require(actor, vendor_policy, "view", evidence.vendor)
    try:
        with default_storage.open(evidence.file.name, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        raise EvidenceTampered(
            f"The stored file for “{evidence.title}” is missing, so it cannot be served. "
            "Report this to an administrator.") from None
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        raise EvidenceTampered(
            f"The stored file for “{evidence.title}” no longer matches the fingerprint recorded at upload "
            f"(sha256 {evidence.sha256[:12]}…). It has not been served. Report this to an administrator.")
    return data


# --- attestations -----------------------------------------------------------------------------------------


@transaction.atomic
def attestation_record(*, actor, vendor: Vendor, standard: str, issuer: str, scope: str, issued_on: date,
                       expires_on: date, other_standard: str = "", evidence: Evidence | None = None,
                       reason: str = "Attestation recorded") -> Attestation:
    authz.require(actor, vendor_policy, "edit", vendor)
    attestation = Attestation(vendor=vendor, standard=standard, other_standard=other_standard.strip(),
                              issuer=issuer.strip(), scope=scope.strip(), issued_on=issued_on, expires_on=expires_on,
                              evidence=evidence)
    attestation.full_clean()
    attribute(attestation, actor=actor, reason=reason)
    attestation.save()
    monitoring.attestation_recorded(attestation=attestation, actor=actor)
    return attestation


# --- risks ------------------------------------------------------------------------------------------------


@transaction.atomic
def risk_create(*, actor, vendor: Vendor, title: str, category: str, inherent_likelihood: int,
                inherent_impact: int, residual_likelihood: int, residual_impact: int, owner, review_date: date,
                description: str = "", mitigations: str = "", context: str = "",
                reason: str = "Risk registered") -> Risk:
    authz.require(actor, vendor_policy, "manage_risks", vendor)
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": "The risk owner must be an active user."})
    risk = Risk(vendor=vendor, title=title.strip(), category=category, description=description, context=context,
                inherent_likelihood=inherent_likelihood, inherent_impact=inherent_impact,
                residual_likelihood=residual_likelihood, residual_impact=residual_impact,
                mitigations=mitigations, owner=owner, review_date=review_date)
    risk.full_clean()
    attribute(risk, actor=actor, reason=reason)
    risk.save()
    return risk


def _clear_acceptance(risk: Risk) -> None:
    risk.accepted_by, risk.accepted_at, risk.acceptance_reason = None, None, ""


@transaction.atomic
def risk_update(*, actor, risk: Risk, reason: str = "Risk edited", **changes) -> Risk:
    """Edit a risk. Changing a rating of an accepted risk voids the acceptance: it is open again."""
    unknown = set(changes) - set(RISK_EDITABLE)
    if unknown:
        raise ValueError(f"risk_update cannot change: {', '.join(sorted(unknown))}")
    risk = Risk.objects.select_for_update().select_related("vendor").get(pk=risk.pk)
    authz.require(actor, vendor_policy, "manage_risks", risk.vendor)
    rating_changed = any(name in changes and changes[name] != getattr(risk, name) for name in RATING_FIELDS)
    for name, value in changes.items():
        setattr(risk, name, value)
    if not risk.owner.is_active:
        raise ValidationError({"owner": "The risk owner must be an active user."})
    acceptor_now_owns = "owner" in changes and risk.owner_id == risk.accepted_by_id
    if risk.status == Risk.Status.ACCEPTED and (rating_changed or acceptor_now_owns):
        risk.status = Risk.Status.OPEN
        _clear_acceptance(risk)
        reason = f"{reason}; acceptance voided by the change"
    risk.full_clean()
    attribute(risk, actor=actor, reason=reason)
    risk.save()
    return risk


@transaction.atomic
def risk_set_status(*, actor, risk: Risk, status: str, reason: str) -> Risk:
    risk = Risk.objects.select_for_update().select_related("vendor").get(pk=risk.pk)
    authz.require(actor, vendor_policy, "manage_risks", risk.vendor)
    reason = _need_reason(reason)
    if status == Risk.Status.ACCEPTED:
        raise ValidationError({"status": "Use “Accept residual risk”, which applies the acceptance matrix."})
    ensure_transition(RISK_STATUS, risk.status, status, labels=dict(Risk.Status.choices), subject=f"Risk “{risk}”")
    if risk.status == Risk.Status.ACCEPTED:
        _clear_acceptance(risk)
    risk.status = status
    risk.full_clean()
    attribute(risk, actor=actor, reason=reason)
    risk.save()
    return risk


@transaction.atomic
def risk_accept(*, actor, risk: Risk, reason: str) -> Risk:
    """Accept the residual risk. Who may do it depends on the residual rating (vendors.risk.ACCEPTANCE_MATRIX);
    nobody accepts a risk they own."""
    risk = Risk.objects.select_for_update().select_related("vendor").get(pk=risk.pk)
    authz.require(actor, vendor_policy, "accept_risk", risk.vendor)
    reason = _need_reason(reason)
    refusal = acceptance_refusal(rating=risk.residual_rating, user_roles=roles_of(actor),
                                 is_owner=risk.owner_id == actor.pk)
    if refusal:
        raise PermissionDenied(refusal)
    ensure_transition(RISK_STATUS, risk.status, Risk.Status.ACCEPTED, labels=dict(Risk.Status.choices),
                      subject=f"Risk “{risk}”")
    risk.status = Risk.Status.ACCEPTED
    risk.accepted_by = actor
    risk.accepted_at = timezone.now()
    risk.acceptance_reason = reason
    risk.full_clean()
    attribute(risk, actor=actor, reason=f"Residual risk accepted: {reason}")
    risk.save()
    return risk


# --- import -----------------------------------------------------------------------------------------------


@transaction.atomic
def vendors_import(*, actor, rows: list[dict], reason: str = "Imported from file") -> list[Vendor]:
    """Create every vendor of a previewed, clean file — all or nothing. Rows are re-validated here."""
    from vendors.importing import validate_row

    authz.require(actor, vendor_policy, "import")
    if not rows:
        raise ValidationError("There is nothing to import.")
    seen: set[str] = set()
    created = []
    for line, values in enumerate(rows, start=2):
        raw = {**values, "data_categories": ";".join(values.get("data_categories") or ()),
               "owner": ""}
        checked = validate_row(raw, line=line, actor=actor, seen=seen)
        if checked.errors:
            raise ValidationError(f"Row {line}: " + "; ".join(checked.errors))
        owner = User.objects.get(pk=values["owner_id"]) if values.get("owner_id") else actor
        created.append(vendor_create(
            actor=actor, legal_name=checked.values["legal_name"], trading_name=checked.values["trading_name"],
            website=checked.values["website"], country=checked.values["country"],
            offering_type=checked.values["offering_type"], ai_act_role=checked.values["ai_act_role"],
            data_categories=checked.values["data_categories"], description=checked.values["description"],
            owner=owner, reason=reason))
    return created
