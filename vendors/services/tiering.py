"""Tiering: the questionnaire run through the rule table, a reasoned override, and reassessment triggers.
Each new assessment becomes the vendor's tier and tells monitoring what changed (vendors.services.monitoring)."""

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from procurement import authz
from procurement.audit.history import attribute
from procurement.services import model_save
from vendors import tiering
from vendors.models import ReassessmentTrigger, Tier, TierAssessment, Vendor
from vendors.policies import vendor_policy
from vendors.services import monitoring
from vendors.services._common import need_reason


def rules_in_force() -> tuple[int, tuple]:
    """The current version of the tiering rule table (policy table "tiering_rules"): (number, rules)."""
    from procurement import policy_tables

    version = policy_tables.current("tiering_rules")
    return version.number, tiering.rules_from_config(version.snapshot)


def _apply_tier(vendor: Vendor, assessment: TierAssessment, *, actor, reason: str,
                trigger: ReassessmentTrigger | None = None) -> str:
    """Make the assessment's tier the vendor's tier, then let monitoring follow up the change (tasks opened or
    closed); returns monitoring's sentence saying what it did."""
    before = vendor.tier
    vendor.tier = assessment.tier
    vendor.tier_overridden = assessment.is_override
    attribute(vendor, actor=actor, reason=reason)
    vendor.save(update_fields=["tier", "tier_overridden", "updated_at"])
    return monitoring.after_tier_change(vendor=vendor, before=before, assessment=assessment, actor=actor,
                                        trigger=trigger)


@transaction.atomic
def tier_assess(*, actor, vendor: Vendor, answers: Mapping[str, str],
                reason: str = "Tiering questionnaire answered", rules=None) -> TierAssessment:
    """Run the rule table on the answers, keep the assessment, and make its tier the vendor's tier.
    A new questionnaire replaces an override in force (the newest assessment always governs). The rules are the
    current version of the tiering rule table (its number is kept on the assessment) unless `rules` is given."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    authz.require(actor, vendor_policy, "tier", vendor)
    number = None
    if rules is None:
        number, rules = rules_in_force()
    try:
        result = tiering.assess(answers, rules)
    except tiering.InvalidAnswers as exc:
        raise ValidationError(str(exc)) from None
    assessment = TierAssessment(vendor=vendor, kind=TierAssessment.Kind.QUESTIONNAIRE, answers=dict(answers),
                                computed_tier=result.tier, tier=result.tier, reasons=list(result.reasons),
                                reason=reason, assessed_by=actor, rules_version=number)
    model_save(assessment, actor=actor, reason=reason)
    _apply_tier(vendor, assessment, actor=actor, reason=f"Tier {result.tier} from questionnaire")
    return assessment


@transaction.atomic
def tier_override(*, actor, vendor: Vendor, tier: str, reason: str) -> TierAssessment:
    """Set the tier by hand. Only a Procurement lead, always with a reason; shown as an override."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    authz.require(actor, vendor_policy, "override_tier", vendor)
    reason = need_reason(reason)
    if tier not in Tier.values:
        raise ValidationError({"tier": "Choose one of the tiers."})
    latest = vendor.tier_assessments.order_by("-assessed_at", "-pk").first()
    assessment = TierAssessment(vendor=vendor, kind=TierAssessment.Kind.OVERRIDE, tier=tier, reason=reason,
                                computed_tier=(latest.computed_tier if latest else ""),
                                answers=(latest.answers if latest else {}), assessed_by=actor)
    model_save(assessment, actor=actor, reason=f"Override: {reason}")
    _apply_tier(vendor, assessment, actor=actor, reason=f"Tier overridden to {tier}: {reason}")
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
    number, rules = rules_in_force()
    try:
        result = tiering.assess(merged, rules)
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
                                reason=reason, assessed_by=actor, rules_version=number)
    model_save(assessment, actor=actor, reason=reason)
    trigger = ReassessmentTrigger(vendor=vendor, kind=kind, occurred_on=occurred_on,
                                  description=description.strip(), answer_changes=changes, tier_before=vendor.tier,
                                  tier_after=result.tier, assessment=assessment, recorded_by=actor)
    model_save(trigger, actor=actor, reason=f"Trigger recorded: {label}")
    outcome = _apply_tier(vendor, assessment, actor=actor, reason=f"Tier {result.tier} after trigger: {label}",
                          trigger=trigger)
    if was_overridden:
        outcome += " The manual override in force before was replaced by this reassessment."
    trigger.outcome = outcome
    attribute(trigger, actor=actor, reason=outcome)
    trigger.save(update_fields=["outcome"])
    return trigger
