"""Writes on the award procedure itself: create, edit, timeline, requirements and stage transitions."""

from copy import copy
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from awards import notices
from awards.models import AwardProcedure, Requirement
from awards.models.procedure import TIMELINE_FIELDS, Stage
from awards.models.waivers import WaiverKind
from awards.policies import procedure_policy
from awards.prerequisites import missing_for
from awards.selectors.timeline import (
    ISSUED_STAGES,
    LABELS,
    TIMELINE_CHANGE_MARK,
    changes_between,
    day,
    last_timeline_change_at,
    proposals_deadline,
    window_shortfalls,
)
from awards.selectors.waivers import waivers_for
from awards.services._common import clean_reason, lock_procedure, locked, require_stage
from awards.transitions import MEMO_ONLY_STAGES, PROCEDURE_STAGES, STAGE_LABELS
from procurement.accounts.roles import Role, has_role
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError, InvalidTransition
from procurement.references import next_reference
from procurement.services import model_save, model_update
from procurement.statemachine import ensure_transition

EDITABLE_STAGES = (Stage.DRAFT, Stage.REQUIREMENTS)
DETAIL_FIELDS = ("title", "need_statement", "business_owner", "category", "estimated_value", "currency",
                 "term_months", "single_source_justification", "submission")


def _check_business_owner(user) -> None:
    if not (user.is_active and has_role(user, Role.BUSINESS_OWNER)):
        raise ValidationError({"business_owner": "Choose an active user who holds the business owner role."})


PINNED_POLICIES = ("committees", "approval_matrix", "dd_plans")


def _pin_policies() -> dict[str, int]:
    """The policy versions a new procedure keeps for its whole life (procurement.policy_tables.pin): the
    committees, the approval matrix and the due-diligence plans in force when it starts. While a table's snapshot
    is not written yet (NotImplementedError) or not declared (LookupError), nothing is pinned: the procedure is
    then under each table's baseline, version 1."""
    from procurement import policy_tables

    try:
        return policy_tables.pin(PINNED_POLICIES)
    except (NotImplementedError, LookupError):
        return {}


@transaction.atomic
def procedure_create(*, actor, title: str, need_statement: str, business_owner, category: str,
                     estimated_value: Decimal, currency: str, term_months: int,
                     single_source_justification: str = "", submission: str = "portal") -> AwardProcedure:
    """A new procedure receives sealed bids through the bidders' portal unless `submission` says "recorded"
    (proposals that arrive outside Baton and are stored by the lead; see awards.models.procedure.Submission)."""
    require(actor, procedure_policy, "create")
    _check_business_owner(business_owner)
    procedure = AwardProcedure(
        title=title, need_statement=need_statement, business_owner=business_owner, lead=actor, category=category,
        estimated_value=estimated_value, currency=currency, term_months=term_months,
        single_source_justification=single_source_justification, reference="pending", submission=submission,
        policy_versions=_pin_policies(),
    )
    procedure.full_clean(exclude=["reference"])
    procedure.reference = next_reference("AP", actor=actor)
    attribute(procedure, actor=actor, reason="Procedure created")
    procedure.save()
    return procedure


@transaction.atomic
def procedure_update(*, actor, procedure: AwardProcedure, reason: str = "Details edited", **changes) -> AwardProcedure:
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()} and can no longer be edited.")
    if "business_owner" in changes and changes["business_owner"].pk != procedure.business_owner_id:
        if procedure.stage not in EDITABLE_STAGES:
            raise ValidationError({"business_owner": "The business owner cannot change once the RFP is issued."})
        _check_business_owner(changes["business_owner"])
    moving = "submission" in changes and changes["submission"] != procedure.submission
    if moving and procedure.stage not in EDITABLE_STAGES:
        raise ValidationError({"submission": "How proposals are received cannot change once the RFP is issued: "
                                             "bidders were told how to submit."})
    return model_update(instance=procedure, fields=changes, allowed=DETAIL_FIELDS, actor=actor, reason=reason)


@transaction.atomic
def procedure_set_timeline(*, actor, procedure: AwardProcedure, reason: str = "",
                           **dates: date | None) -> AwardProcedure:
    """Set the timeline's dates. Before the RFP is issued they change freely (the order is the model's rule).

    Once the RFP is out (issue 17, finding 3) the bidders plan on the dates they were told, so:
      - the RFP issue date no longer changes, and no date is removed;
      - any other change needs a reason (kept in the history row, at most REASON_MAX_AFTER_ISSUE characters) and
        a timeline-change waiver recorded for it: one recorded since the previous change after issue, by
        someone the waiver policy allows (never the lead who benefits from it);
      - moving proposals due or the question deadline earlier than the bidders were told is refused outright
        without that waiver, and a response period or Q&A window that becomes shorter than the tier's minimum
        (awards.selectors.timeline) also needs a short-response waiver;
      - every invited bidder is told, through the notification outbox (awards.notices.timeline_changed), and
        (issue 20) by a notice in the bidders' portal, kind "timeline".
    A refused change writes nothing."""
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()}; its timeline is closed.")
    # issue 21: the proposals deadline has a time and a zone (awards.selectors.timeline.proposals_deadline)
    allowed = {field for field, _, _ in TIMELINE_FIELDS} | set(DEADLINE_FIELDS)
    if procedure.stage in ISSUED_STAGES:
        return _change_after_issue(actor=actor, procedure=procedure, reason=reason, dates=dates, allowed=allowed)
    return model_update(instance=procedure, fields=dates, allowed=allowed, actor=actor,
                        reason=(reason or "").strip() or "Timeline set")


# The proposals deadline's time and zone (issue 21): set with the dates, never "removed" (empty = end of day).
DEADLINE_FIELDS = ("proposals_due_time", "time_zone")
REASON_MAX_AFTER_ISSUE = 100 - len(TIMELINE_CHANGE_MARK)  # the history row keeps 100 characters


def _change_after_issue(*, actor, procedure: AwardProcedure, reason: str, dates: dict, allowed: set[str]):
    unknown = set(dates) - allowed
    if unknown:
        raise ValueError(f"AwardProcedure timeline cannot change: {', '.join(sorted(unknown))}")
    before = copy(procedure)
    changed = {field: value for field, value in dates.items() if value != getattr(procedure, field)}
    if not changed:
        return procedure  # the dates the bidders were told, unchanged: nothing to write, nobody to tell
    errors = {}
    if "rfp_issue_date" in changed:
        errors["rfp_issue_date"] = (f"The RFP went out with the issue date {day(procedure.rfp_issue_date)}; that "
                                    "date no longer changes.")
    for field, value in changed.items():
        if value is None and field not in errors and field not in DEADLINE_FIELDS:
            errors[field] = (f"Bidders were told {day(getattr(procedure, field))}; once the RFP is issued a date "
                             "can be moved (with a waiver) but not removed.")
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = "Say why the timeline changes: the reason goes to every bidder with the new dates."
    elif len(reason) > REASON_MAX_AFTER_ISSUE:
        errors["reason"] = (f"Say it in at most {REASON_MAX_AFTER_ISSUE} characters (this one has {len(reason)}): "
                            "the reason is kept whole in the procedure's history.")
    if errors:
        raise ValidationError(errors)
    earlier = [field for field in ("question_deadline", "proposals_due")
               if field in changed and field not in DEADLINE_FIELDS and changed[field] < getattr(procedure, field)]
    moved = copy(procedure)
    for field, value in changed.items():
        setattr(moved, field, value)
    was, now = proposals_deadline(procedure), proposals_deadline(moved)
    if "proposals_due" not in earlier and was and now and now < was:  # an earlier time or another zone
        earlier.append("proposals_due")
    since = last_timeline_change_at(procedure)
    waivers = waivers_for(procedure, WaiverKind.TIMELINE_CHANGE)
    waiver = (waivers.filter(recorded_at__gt=since) if since else waivers).last()
    if waiver is None:
        if earlier:
            told = " and ".join(f"{LABELS[field].lower()} {day(getattr(procedure, field))}" for field in earlier)
            moved = " and ".join(f"{LABELS[field].lower()} earlier, to {day(changed[field])}" for field in earlier)
            what = f"Bidders were told {told}; moving {moved}, is refused unless"
        else:
            what = "The RFP is out, so its timeline changes only when"
        fresh = " since the last change" if since else ""
        raise DomainError(f"{what} a waiver for a timeline change after issue is recorded for this change by "
                          f"another procurement lead; none is recorded for {procedure.reference}{fresh}. Ask one "
                          "to record it on the procedure's waivers page, then save the dates again.")
    for field, value in changed.items():
        setattr(procedure, field, value)
    procedure.validate_timeline()  # the order first, so a date out of order is refused next to its field
    shortened = tuple(field for field in earlier if field in ("proposals_due", "question_deadline"))
    short = window_shortfalls(procedure, start=procedure.rfp_issue_date, fields=shortened) if shortened else {}
    if short and not waivers_for(procedure, WaiverKind.SHORT_RESPONSE).exists():
        raise ValidationError(short)
    model_update(instance=procedure, fields=changed, allowed=allowed, actor=actor,
                 reason=TIMELINE_CHANGE_MARK + reason)
    changes = changes_between(before, procedure)
    key = f"{procedure.pk}:{procedure.history.latest().history_id}"
    notices.timeline_changed(procedure=procedure, changes=changes, reason=reason, waiver=waiver, key=key)
    _tell_bidders_timeline(actor=actor, procedure=procedure, changes=changes, reason=reason, key=key)
    return procedure


def _tell_bidders_timeline(*, actor, procedure: AwardProcedure, changes, reason: str, key: str) -> None:
    """Issue 20: every bidder still in the running reads the change in the portal (and by e-mail, if any of their
    contacts has a portal account), once per change."""
    from awards.models import Bid
    from awards.models.procedure import Submission
    from awards.services.bidder_notices import bidder_notice_publish, listening_bids

    if procedure.submission != Submission.PORTAL:
        return  # run outside the portal: the lead's letter (awards.notices) is how its bidders hear
    running = listening_bids(procedure).filter(
        status__in=(Bid.Status.INVITED, Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED))
    letter = notices.timeline_change_letter(procedure, changes=changes, reason=reason)
    bidder_notice_publish(actor=actor, procedure=procedure, kind="timeline",
                          subject=f"The timeline of {procedure.reference} has changed", body=letter,
                          key=f"timeline:{key}", bids=running)


def _enter(procedure: AwardProcedure, *, target: str, actor, reason: str) -> AwardProcedure:
    """Move a locked procedure to `target` by its stage machine, once every registered prerequisite is met."""
    ensure_transition(PROCEDURE_STAGES, procedure.stage, target, labels=STAGE_LABELS,
                      subject=f"Procedure {procedure.reference}")
    readiness = missing_for(procedure, target)
    if not readiness.ready:
        raise InvalidTransition(f"{procedure.reference} cannot move to {STAGE_LABELS[target]} yet. Missing: "
                                + " ".join(readiness.missing))
    if target == Stage.RFP_ISSUED:
        short = issue_window_shortfalls(procedure)
        if short:
            raise InvalidTransition(f"{procedure.reference} cannot issue its RFP yet. " + " ".join(short.values()))
    procedure.stage = target
    attribute(procedure, actor=actor, reason=reason)
    procedure.save(update_fields=["stage", "updated_at"])
    return procedure


def issue_window_shortfalls(procedure: AwardProcedure) -> dict[str, str]:
    """Why the RFP cannot go out today with its timeline (issue 17, finding 17): {field: sentence}, empty when the
    response period and the Q&A window both meet the minimum of the strictest bidder tier, or when a waiver for
    a short response period is recorded. The windows are counted from the issue date, or from today when that
    date is already past (a back-dated issue date gives the bidders no more time)."""
    if procedure.rfp_issue_date is None:
        return {}
    start = max(procedure.rfp_issue_date, timezone.localdate())
    short = window_shortfalls(procedure, start=start)
    if short and waivers_for(procedure, WaiverKind.SHORT_RESPONSE).exists():
        return {}
    return short


def _transition(*, actor, procedure: AwardProcedure, target: str, reason: str) -> AwardProcedure:
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    reason = clean_reason(reason)
    return _enter(procedure, target=target, actor=actor, reason=f"Moved to {STAGE_LABELS[target]}: {reason}")


@transaction.atomic
def procedure_advance(*, actor, procedure: AwardProcedure, target: str, reason: str) -> AwardProcedure:
    """Move forward one stage once every registered prerequisite of `target` is met."""
    if target in MEMO_ONLY_STAGES:
        raise InvalidTransition(f"A procedure becomes {STAGE_LABELS[target]} when its award decision memo is "
                                "approved, not from the procedure page.")
    if target == Stage.CANCELLED:
        raise ValueError("Use procedure_cancel to cancel.")
    return _transition(actor=actor, procedure=procedure, target=target, reason=reason)


@transaction.atomic
def procedure_award(*, actor, procedure: AwardProcedure, reason: str) -> AwardProcedure:
    """Enter the Awarded stage: called once, by the approval of the decision memo (awards.services.memo), inside
    its transaction. The authority is the approved memo — a registered prerequisite of Awarded
    (awards.checks.memo_approved) — not the procedure's edit policy: the actor is the approver whose sign-off
    completed the quorum."""
    procedure = lock_procedure(procedure.pk)
    return _enter(procedure, target=Stage.AWARDED, actor=actor, reason=f"Awarded: {clean_reason(reason)}")


@transaction.atomic
def procedure_cancel(*, actor, procedure: AwardProcedure, reason: str) -> AwardProcedure:
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    reason = clean_reason(reason, what="the reason for cancelling")
    ensure_transition(PROCEDURE_STAGES, procedure.stage, Stage.CANCELLED, labels=STAGE_LABELS,
                      subject=f"Procedure {procedure.reference}")
    procedure.stage = Stage.CANCELLED
    procedure.cancel_reason = reason
    attribute(procedure, actor=actor, reason=f"Cancelled: {reason}")
    procedure.save(update_fields=["stage", "cancel_reason", "updated_at"])
    return procedure


# Requirements -------------------------------------------------------------------------------------------


@transaction.atomic
def requirement_add(*, actor, procedure: AwardProcedure, title: str, priority: str,
                    description: str = "") -> Requirement:
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    require_stage(procedure, EDITABLE_STAGES, "add requirements")
    number = Requirement.objects.filter(procedure=procedure).count() + 1
    requirement = Requirement(procedure=procedure, code=f"R{number}", title=title, description=description,
                              priority=priority)
    model_save(requirement, actor=actor, reason="Requirement added")
    return requirement


@transaction.atomic
def requirement_update(*, actor, requirement: Requirement, title: str, priority: str,
                       description: str = "") -> Requirement:
    """Edit a requirement; a changed requirement needs the business owner's agreement again."""
    procedure = lock_procedure(requirement.procedure_id)
    require(actor, procedure_policy, "edit", procedure)
    require_stage(procedure, EDITABLE_STAGES, "change requirements")
    requirement = locked(Requirement, requirement.pk)
    changed = (title, priority, description) != (requirement.title, requirement.priority, requirement.description)
    requirement.title, requirement.priority, requirement.description = title, priority, description
    requirement.full_clean()
    reason = "Requirement edited"
    if changed and requirement.agreed_at:
        requirement.agreed_at, requirement.agreed_by = None, None
        reason = "Requirement edited; agreement withdrawn"
    attribute(requirement, actor=actor, reason=reason)
    requirement.save()
    return requirement


@transaction.atomic
def requirement_agree(*, actor, requirement: Requirement) -> Requirement:
    """The business owner agrees one requirement as written."""
    procedure = lock_procedure(requirement.procedure_id)
    require(actor, procedure_policy, "agree_requirements", procedure)
    require_stage(procedure, EDITABLE_STAGES, "agree requirements")
    requirement = locked(Requirement, requirement.pk)
    if requirement.agreed_at:
        return requirement
    requirement.agreed_at, requirement.agreed_by = timezone.now(), actor
    attribute(requirement, actor=actor, reason="Agreed by the business owner")
    requirement.save(update_fields=["agreed_at", "agreed_by", "updated_at"])
    return requirement
