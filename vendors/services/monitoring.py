"""Keeping vendors current after selection: the daily attestation and reassessment checks, and the follow-up
tasks they (and tier changes) open and close.

Every write here is a service in the sense of DESIGN.md: it locks what it changes, saves each row with a
history reason, and tells people through `procurement.notifications.services.notify` (idempotent on
recipient and key, email queued on commit). `actor=None` means the system acted (a beat job).

The daily jobs are idempotent: running them twice on the same day (or on consecutive days) marks each state
change once, tells each person once per event key, and keeps at most one open task per attestation / vendor /
due-diligence item (partial unique constraints back that up).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from procurement import authz
from procurement.audit.history import attribute
from procurement.exceptions import InvalidTransition
from vendors import engagements, reassessment
from vendors.models import (
    TIER_ORDER,
    Attestation,
    ReassessmentTrigger,
    Tier,
    TierAssessment,
    Vendor,
    VendorTask,
    attestation_warning_days,
)
from vendors.policies import vendor_policy

logger = logging.getLogger(__name__)

# How long the owner has to collect a due-diligence item that a tier rise made necessary.
DD_ITEM_DAYS = 30

REMINDED_STATES = (Attestation.State.EXPIRING, Attestation.State.EXPIRED)


@dataclass
class CheckResult:
    marked: list[int] = field(default_factory=list)       # ids whose recorded state changed
    tasks_opened: list[int] = field(default_factory=list)
    notified: int = 0


def _notify(**kwargs) -> bool:
    from procurement.notifications.services import notify

    return notify(**kwargs) is not None


def _open_contract_managers(vendor: Vendor) -> list:
    """Post-award managers of the vendor's contracts that are not closed (through the contracts hook)."""
    return [c.post_award_manager for c in engagements.open_contracts(vendor) if c.post_award_manager is not None]


def attestation_recipients(vendor: Vendor) -> list:
    """The vendor's owner and the contract managers of its open contracts, each once."""
    people = {}
    for person in [vendor.owner, *_open_contract_managers(vendor)]:
        if person is not None:
            people.setdefault(person.pk, person)
    return list(people.values())


def _same_standard(a: Attestation, b: Attestation) -> bool:
    if a.standard != b.standard:
        return False
    return a.standard != Attestation.Standard.OTHER or a.other_standard.strip().lower() == \
        b.other_standard.strip().lower()


def _superseded(att: Attestation, today: date) -> bool:
    """A newer attestation of the same standard, already issued, replaces this one: it runs past this one's
    expiry, or it was issued later (the fresh attestation the refresh cadence asked for)."""
    later = (Attestation.objects.filter(vendor_id=att.vendor_id, standard=att.standard, issued_on__lte=today)
             .filter(Q(expires_on__gt=att.expires_on) | Q(issued_on__gt=att.issued_on)).exclude(pk=att.pk))
    return any(_same_standard(att, other) for other in later)


def _state_reason(att: Attestation, state: str, window: int) -> str:
    if state == Attestation.State.EXPIRED:
        return f"Daily check: expired on {att.expires_on.isoformat()}"
    return f"Daily check: expires on {att.expires_on.isoformat()}, within the {window}-day warning window"


def _open_task(*, vendor: Vendor, kind: str, title: str, reason: str, assignee, actor=None, due_on=None,
               attestation=None, item_code: str = "", trigger=None, detail: str = "") -> VendorTask | None:
    """Open a task unless an open one already exists for the same thing (the constraint decides races)."""
    task = VendorTask(vendor=vendor, kind=kind, title=title[:200], detail=detail, attestation=attestation,
                      item_code=item_code, trigger=trigger, assignee=assignee, due_on=due_on,
                      opened_reason=reason[:300])
    task.full_clean(validate_constraints=False)
    attribute(task, actor=actor, reason=f"Opened: {reason}")
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        return None
    return task


def _finish_task(task: VendorTask, *, status: str, actor, reason: str, attestation=None) -> VendorTask:
    task.status = status
    task.closed_at = timezone.now()
    task.closed_by = actor
    task.close_reason = reason[:300]
    task.closed_by_attestation = attestation
    attribute(task, actor=actor, reason=f"{VendorTask.Status(status).label}: {reason}")
    task.save(update_fields=["status", "closed_at", "closed_by", "close_reason", "closed_by_attestation",
                             "updated_at"])
    return task


# --- attestations -----------------------------------------------------------------------------------------


def _refresh_sentence(att: Attestation, refresh) -> str:
    """What the task and the reminders say about when the refresh is due and why."""
    if refresh.reason == "cadence":
        return (f"refresh due on {refresh.on.isoformat()} (cadence: {refresh.reason_label}; "
                f"it expires on {att.expires_on.isoformat()})")
    return f"refresh due on {refresh.on.isoformat()} (expiry)"


def attestation_check_one(*, attestation_id: int, today: date, window: int, result: CheckResult,
                          refresh_months: int | None = None) -> None:
    """Mark one attestation's expiry state (with a reason), open its refresh task once and tell the people once.

    The refresh is due on the tier's cadence after issue, or on expiry when that comes first
    (vendors.selectors.attestation_refresh). The task opens once the warning window before that date starts;
    people are reminded of a cadence refresh once per refresh-due date, and of expiry once per state.
    `refresh_months`: the cadence of the vendor's tier plan (attestations_due_for_check reads it with the ids)."""
    from vendors.selectors import refresh_after_months

    with transaction.atomic():
        att = (Attestation.objects.select_for_update(of=("self",)).select_related("vendor__owner")
               .filter(pk=attestation_id).first())
        if att is None or att.vendor.status == Vendor.Status.EXITED:
            return
        refresh = refresh_after_months(att, refresh_months)
        state = att.status_on(today, warning_days=window)
        expiry_due = state in REMINDED_STATES
        if not expiry_due and today < refresh.on - timedelta(days=window):
            return
        if expiry_due and att.recorded_state != state:
            att.recorded_state = state
            att.state_recorded_on = today
            attribute(att, actor=None, reason=_state_reason(att, state, window))
            att.save(update_fields=["recorded_state", "state_recorded_on", "updated_at"])
            result.marked.append(att.pk)
            if state == Attestation.State.EXPIRED:
                from procurement.webhooks.services import event_publish

                event_publish(event="attestation.expired", subject=att.vendor, data={
                    "attestation_id": att.pk, "standard": att.standard_label, "expired_on": att.expires_on})
        if _superseded(att, today):
            return  # a newer certificate is already on file: nobody needs chasing
        vendor = att.vendor
        when = _refresh_sentence(att, refresh)
        if not att.refresh_tasks.exists():  # once per attestation; a task closed by a lead is not reopened
            task = _open_task(
                vendor=vendor, kind=VendorTask.Kind.ATTESTATION_REFRESH, attestation=att, assignee=vendor.owner,
                due_on=refresh.on, title=f"Collect a renewed {att.standard_label} attestation",
                reason=f"{att.standard_label} by {att.issuer}: {when}",
                detail="Ask the vendor for the renewed certificate or report and record it as a new attestation; "
                       "recording it closes this task.")
            if task is not None:
                result.tasks_opened.append(task.pk)
        if expiry_due:
            verb = "has expired" if state == Attestation.State.EXPIRED else "is expiring"
            key = f"attestation:{att.pk}:{state}"
            subject = f"{vendor}: {att.standard_label} attestation {verb} ({att.expires_on.isoformat()})"
            opening = (f"The {att.standard_label} attestation issued by {att.issuer} for {vendor} "
                       f"{'expired' if state == Attestation.State.EXPIRED else 'expires'} on "
                       f"{att.expires_on:%d %B %Y}.")
        else:
            key = f"attestation:{att.pk}:refresh:{refresh.on.isoformat()}"
            subject = f"{vendor}: {att.standard_label} attestation refresh due ({refresh.on.isoformat()})"
            opening = (f"The {att.standard_label} attestation issued by {att.issuer} for {vendor} on "
                       f"{att.issued_on:%d %B %Y} is due for refresh on {refresh.on:%d %B %Y}: "
                       f"{refresh.reason_label}, so a fresh one is needed before it expires on "
                       f"{att.expires_on:%d %B %Y}.")
        body = (f"{opening} Refresh due: {refresh.on:%d %B %Y} "
                f"({'cadence' if refresh.reason == 'cadence' else 'expiry'}). "
                f"A refresh task is open on the vendor page for {vendor.owner}.")
        for person in attestation_recipients(vendor):
            if _notify(recipient=person, kind="expiry", key=key, subject=subject, body=body, target=vendor,
                       url=vendor.get_absolute_url() + "#follow-ups"):
                result.notified += 1


def attestations_due_for_check(*, today: date, window: int) -> list[tuple[int, int | None]]:
    """(id, refresh cadence in months) of the attestations of current vendors whose refresh is due (on the tier's
    cadence, or on expiry when sooner) within the warning window, or that are expiring or expired; soonest first.
    One query."""
    from vendors.selectors import refresh_after_months, refresh_months_expression

    rows = (Attestation.objects.exclude(vendor__status=Vendor.Status.EXITED).filter(issued_on__lte=today)
            .annotate(refresh_months=refresh_months_expression()).only("pk", "issued_on", "expires_on"))
    horizon = today + timedelta(days=window)
    due = []
    for att in rows:
        refresh = refresh_after_months(att, att.refresh_months)
        if refresh.on <= horizon or att.expires_on <= horizon:
            due.append((refresh.on, att.pk, att.refresh_months))
    return [(pk, months) for _, pk, months in sorted(due)]


def attestations_check(*, today: date | None = None) -> CheckResult:
    """The daily attestation job: every attestation of a current vendor whose refresh falls due (on the tier's
    cadence, or on expiry when sooner) within the warning window, or that has expired. Each attestation is
    handled in its own transaction, so one failure does not undo the rest."""
    today = today or timezone.localdate()
    window = attestation_warning_days()
    result = CheckResult()
    for pk, months in attestations_due_for_check(today=today, window=window):
        attestation_check_one(attestation_id=pk, today=today, window=window, result=result,
                              refresh_months=months)
    return result


def attestation_recorded(*, attestation: Attestation, actor) -> list[VendorTask]:
    """A new attestation closes the open refresh tasks of older attestations of the same standard that it
    outlasts, and any due-diligence item it now satisfies. Runs inside the recording service's transaction."""
    today = timezone.localdate()
    done = []
    if attestation.expires_on >= today:
        open_tasks = (VendorTask.objects.select_for_update(of=("self",)).select_related("attestation")
                      .filter(vendor_id=attestation.vendor_id, kind=VendorTask.Kind.ATTESTATION_REFRESH,
                              status=VendorTask.Status.OPEN))
        for task in open_tasks:
            old = task.attestation
            if _same_standard(old, attestation) and (old.expires_on < attestation.expires_on
                                                      or old.issued_on < attestation.issued_on):
                done.append(_finish_task(
                    task, status=VendorTask.Status.DONE, actor=actor, attestation=attestation,
                    reason=f"New {attestation.standard_label} attestation recorded, valid until "
                           f"{attestation.expires_on.isoformat()}"))
    done += dd_tasks_close_satisfied(vendor=attestation.vendor, actor=actor)
    return done


# --- tier reassessment ------------------------------------------------------------------------------------


def _last_assessed_subquery():
    return Subquery(TierAssessment.objects.filter(vendor=OuterRef("pk")).order_by("-assessed_at", "-pk")
                    .values("assessed_at")[:1])


def reassessment_due_on(vendor: Vendor, last_assessed=None, cadence=None) -> date | None:
    """When the vendor's tier is next due for reassessment (None when untiered)."""
    if not vendor.tier:
        return None
    when = last_assessed or getattr(vendor, "last_assessed_at", None) or vendor.created_at
    return reassessment.due_on(timezone.localdate(when), vendor.tier, cadence)


def reassessments_check(*, today: date | None = None) -> CheckResult:
    """The daily reassessment job: open one "Reassess the tier" task per vendor that is due, tell the owner
    once per due date."""
    today = today or timezone.localdate()
    cadence = reassessment.cadence_months()
    result = CheckResult()
    vendors = (Vendor.objects.exclude(status=Vendor.Status.EXITED).exclude(tier="")
               .annotate(last_assessed_at=_last_assessed_subquery()).order_by("pk"))
    due = [(v.pk, reassessment_due_on(v, cadence=cadence)) for v in vendors]
    for pk, due_on in due:
        if due_on is None or due_on > today:
            continue
        with transaction.atomic():
            vendor = Vendor.objects.select_for_update(of=("self",)).select_related("owner").get(pk=pk)
            months = cadence[vendor.tier]
            if not vendor.tasks.filter(kind=VendorTask.Kind.REASSESSMENT, status=VendorTask.Status.OPEN).exists():
                task = _open_task(
                    vendor=vendor, kind=VendorTask.Kind.REASSESSMENT, assignee=vendor.owner, due_on=due_on,
                    title=f"Reassess the tier of {vendor}",
                    reason=f"{vendor.get_tier_display()} tier is reassessed every {months} months; "
                           f"due on {due_on.isoformat()}",
                    detail="Answer the tiering questionnaire again (or record a reasoned override); either "
                           "closes this task.")
                if task is not None:
                    result.tasks_opened.append(task.pk)
            if _notify(recipient=vendor.owner, kind="reassessment_due",
                       key=f"vendor:{vendor.pk}:reassessment:{due_on.isoformat()}",
                       subject=f"{vendor}: tier reassessment due ({due_on.isoformat()})",
                       body=f"{vendor} is a {vendor.get_tier_display().lower()}-tier vendor, reassessed every "
                            f"{months} months. Answer the tiering questionnaire again to keep its tier current.",
                       target=vendor, url=vendor.get_absolute_url() + "#follow-ups"):
                result.notified += 1
    return result


def _checklist_for_tier(vendor: Vendor, tier: str, as_of: date):
    from vendors.selectors import dd_checklist

    shadow = copy.copy(vendor)
    shadow.tier = tier
    return dd_checklist(shadow, as_of)


def after_tier_change(*, vendor: Vendor, before: str, assessment: TierAssessment, actor,
                      trigger: ReassessmentTrigger | None = None) -> str:
    """What a new tier assessment does to follow-ups; returns a sentence saying what it did.

    - Any new assessment completes the open "Reassess the tier" task.
    - A tier that RISES opens one "Collect a due-diligence item" task per item of the new tier's plan that is
      not already satisfied today (an item with an open task is not opened twice).
    - A tier that FALLS drops nothing silently: evidence on file stays, open due-diligence tasks stay open
      until a lead closes each with a reason, and the items the old plan required but the new one does not
      are named in the returned sentence (kept on the trigger and in the history).
    - An unchanged tier (or a first tiering) opens nothing.
    """
    after = assessment.tier
    today = timezone.localdate()
    for task in VendorTask.objects.select_for_update().filter(vendor=vendor, kind=VendorTask.Kind.REASSESSMENT,
                                                              status=VendorTask.Status.OPEN):
        _finish_task(task, status=VendorTask.Status.DONE, actor=actor,
                     reason=f"Reassessed: {assessment.get_tier_display()} ({assessment.get_kind_display()})")
    label = dict(Tier.choices)
    if not before:
        return f"Tier set to {label[after]}."
    if TIER_ORDER[after] > TIER_ORDER[before]:
        checklist = _checklist_for_tier(vendor, after, today)
        opened, satisfied = [], []
        for item in checklist.items:
            if item.satisfied:
                satisfied.append(item.label)
                continue
            task = _open_task(
                vendor=vendor, kind=VendorTask.Kind.DD_ITEM, item_code=item.code, assignee=vendor.owner,
                actor=actor, trigger=trigger, due_on=today + timedelta(days=DD_ITEM_DAYS),
                title=f"Collect: {item.label}", detail=item.guidance or item.detail,
                reason=f"Tier rose from {label[before]} to {label[after]}; the {label[after].lower()} plan "
                       f"requires it ({item.detail})")
            if task is not None:
                opened.append(item.label)
        parts = [f"Tier rose from {label[before]} to {label[after]}."]
        parts.append(f"Opened due-diligence tasks: {', '.join(opened)}." if opened
                     else "No new due-diligence task was needed.")
        if satisfied:
            parts.append(f"Already satisfied: {', '.join(satisfied)}.")
        return " ".join(parts)
    if TIER_ORDER[after] < TIER_ORDER[before]:
        old = _checklist_for_tier(vendor, before, today)
        new_codes = {item.code for item in _checklist_for_tier(vendor, after, today).items}
        dropped = [item.label + ("" if item.satisfied else " (missing)") for item in old.items
                   if item.code not in new_codes]
        still_open = VendorTask.objects.filter(vendor=vendor, kind=VendorTask.Kind.DD_ITEM,
                                               status=VendorTask.Status.OPEN).count()
        parts = [f"Tier fell from {label[before]} to {label[after]}. Evidence already collected stays on file."]
        if dropped:
            parts.append(f"No longer required by the {label[after].lower()} plan: {', '.join(dropped)}.")
        if still_open:
            parts.append(f"{still_open} open due-diligence task{'s stay' if still_open != 1 else ' stays'} "
                         "open until a Procurement lead closes each with a reason.")
        return " ".join(parts)
    return f"Tier unchanged ({label[after]}); nothing new to collect."


def dd_tasks_close_satisfied(*, vendor: Vendor, actor) -> list[VendorTask]:
    """Complete the open due-diligence tasks whose item is now satisfied (judged on the tier of the plan that
    opened them, or the current tier when higher)."""
    tasks = list(VendorTask.objects.select_for_update(of=("self",)).select_related("trigger")
                 .filter(vendor=vendor, kind=VendorTask.Kind.DD_ITEM, status=VendorTask.Status.OPEN))
    if not tasks:
        return []
    today = timezone.localdate()
    fresh = Vendor.objects.get(pk=vendor.pk)
    checklists = {}
    done = []
    for task in tasks:
        tier = task.trigger.tier_after if task.trigger_id else fresh.tier
        if fresh.tier and TIER_ORDER.get(fresh.tier, 0) > TIER_ORDER.get(tier, 0):
            tier = fresh.tier
        if tier not in checklists:
            checklists[tier] = {item.code: item for item in _checklist_for_tier(fresh, tier, today).items}
        item = checklists[tier].get(task.item_code)
        if item is not None and item.satisfied:
            done.append(_finish_task(task, status=VendorTask.Status.DONE, actor=actor,
                                     reason=f"Satisfied: {item.detail}"))
    return done


# --- closing by hand --------------------------------------------------------------------------------------


@transaction.atomic
def task_close(*, actor, task: VendorTask, reason: str) -> VendorTask:
    """A Procurement lead closes a follow-up without completing it, always with a reason."""
    task = VendorTask.objects.select_for_update(of=("self",)).select_related("vendor").get(pk=task.pk)
    authz.require(actor, vendor_policy, "manage_tasks", task.vendor)
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Give a reason; it is kept in the audit trail."})
    if not task.is_open:
        raise InvalidTransition(f"The task “{task}” is already {task.get_status_display().lower()}.")
    return _finish_task(task, status=VendorTask.Status.CLOSED, actor=actor, reason=reason.strip())

