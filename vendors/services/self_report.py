"""Tiering answers sent by the vendor itself through the bidders' portal (issue 20), and what a lead does with
them. The questions are the internal questionnaire's (vendors.tiering.QUESTIONS), checked the same way.

    tiering_self_report_submit      a contact of the vendor sends answers; the vendor's owner is told
    tiering_self_report_adopt       a lead runs the tiering on those answers (tier_assess), naming the report
    tiering_self_report_set_aside   a lead decides not to use them, with a reason

A self-report never changes the tier by itself: only a lead's adoption does, through tier_assess, so the tier's
history says whose answers they were and who adopted them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from procurement import authz
from procurement.audit.history import attribute
from procurement.exceptions import DomainError
from procurement.notifications.services import notify
from procurement.services import model_save
from vendors import tiering
from vendors.models import TieringSelfReport, Vendor, VendorContact
from vendors.policies import vendor_policy, vendor_portal_policy
from vendors.services._common import need_reason
from vendors.services.tiering import tier_assess

COMMENT_MAX = 4000

__all__ = ["tiering_self_report_adopt", "tiering_self_report_set_aside", "tiering_self_report_submit",
           "self_report_answer_errors"]


def self_report_answer_errors(answers: Mapping[str, str]) -> dict[str, str]:
    """Per question, what is wrong with the answer (empty when every question has one of its answers)."""
    errors: dict[str, str] = {}
    for question in tiering.QUESTIONS:
        given = answers.get(question.code)
        if given in (None, ""):
            errors[question.code] = "Choose an answer."
        elif given not in dict(question.answers):
            errors[question.code] = "Choose one of the answers offered."
    unknown = sorted(set(answers) - set(tiering.QUESTIONS_BY_CODE))
    if unknown:
        errors["__all__"] = f"Unknown questions: {', '.join(unknown)}."
    return errors


def _submitter_name(report: TieringSelfReport) -> str:
    contact = VendorContact.objects.filter(account_id=report.submitted_by_id).first()
    return str(contact.name if contact else report.submitted_by)


@transaction.atomic
def tiering_self_report_submit(*, actor, vendor: Vendor, answers: Mapping[str, str],
                               comment: str = "") -> TieringSelfReport:
    """Keep the vendor's own tiering answers for a lead to review. Only a contact of that vendor (an active
    bidder user tied to it) may send them; every question must be answered with one of its answers."""
    authz.require(actor, vendor_portal_policy, "self_report", vendor)
    answers = dict(answers or {})
    errors = self_report_answer_errors(answers)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = f"Keep the comment under {COMMENT_MAX} characters."
    if errors:
        raise ValidationError(errors)
    clean = tiering.validate_answers(answers)  # the same check the internal questionnaire passes
    report = TieringSelfReport(vendor=vendor, answers=clean, comment=comment, submitted_by=actor,
                               submitted_at=timezone.now())
    model_save(report, actor=actor, reason="Tiering answers sent by the vendor through the portal")
    owner = Vendor.objects.select_related("owner").get(pk=vendor.pk).owner
    notify(recipient=owner, kind="vendor_self_report", key=f"vendor_self_report:{report.pk}",
           subject=f"{vendor} answered the tiering questions",
           body=(f"A contact of {vendor} answered the tiering questions through the bidders' portal. The tier does "
                 "not change until a procurement lead adopts the answers (or sets them aside)."),
           url=reverse("vendors:self_report_detail", args=[vendor.pk, report.pk]))
    return report


def _pending_for_review(actor, report: TieringSelfReport) -> TieringSelfReport:
    report = TieringSelfReport.objects.select_for_update().select_related("vendor").get(pk=report.pk)
    authz.require(actor, vendor_policy, "tier", report.vendor)
    if report.status != TieringSelfReport.Status.PENDING:
        raise DomainError(f"These answers were already reviewed: {report.get_status_display().lower()}.")
    return report


def _close(report: TieringSelfReport, *, actor, status: str, reason: str, history_reason: str) -> None:
    report.status, report.review_reason = status, reason
    report.reviewed_by, report.reviewed_at = actor, timezone.now()
    attribute(report, actor=actor, reason=history_reason[:100])
    report.save(update_fields=["status", "review_reason", "reviewed_by", "reviewed_at", "assessment",
                               "updated_at"])


@transaction.atomic
def tiering_self_report_adopt(*, actor, report: TieringSelfReport, reason: str) -> TieringSelfReport:
    """A lead makes the vendor's answers the tiering questionnaire: the tier is assessed from them (the new
    assessment names the contact, the date and the lead's reason) and linked to the report."""
    report = _pending_for_review(actor, report)
    reason = need_reason(reason)
    submitted_on = timezone.localdate(report.submitted_at).isoformat()
    assessment = tier_assess(
        actor=actor, vendor=report.vendor, answers=report.answers,
        reason=f"Tiering answers self-reported by {_submitter_name(report)} of {report.vendor} on {submitted_on}, "
               f"adopted: {reason}")
    report.assessment = assessment
    _close(report, actor=actor, status=TieringSelfReport.Status.ADOPTED, reason=reason,
           history_reason=f"Adopted for the tiering: {reason}")
    return report


@transaction.atomic
def tiering_self_report_set_aside(*, actor, report: TieringSelfReport, reason: str) -> TieringSelfReport:
    """A lead decides not to use the vendor's answers; the tier stays as it is."""
    report = _pending_for_review(actor, report)
    reason = need_reason(reason)
    _close(report, actor=actor, status=TieringSelfReport.Status.SET_ASIDE, reason=reason,
           history_reason=f"Set aside: {reason}")
    return report
