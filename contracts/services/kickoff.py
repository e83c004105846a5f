"""The negotiation kickoff: plan, attendees, holding it (only with the post-award manager), minutes, actions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.models import Kickoff, KickoffAction, KickoffAttendee
from contracts.services._common import delete, ensure_editable, need, require, save
from procurement.exceptions import InvalidTransition
from procurement.services import model_update

KICKOFF_FIELDS = ("meeting_date", "goals", "known_risks", "operational_realities", "timeline",
                  "walk_away_conditions", "minutes")


def _kickoff(kickoff: Kickoff) -> Kickoff:
    return Kickoff.objects.select_for_update(of=("self",)).select_related("contract").get(pk=kickoff.pk)


@transaction.atomic
def kickoff_update(*, actor, kickoff: Kickoff, reason: str = "Kickoff plan edited", **changes) -> Kickoff:
    unknown = set(changes) - set(KICKOFF_FIELDS)
    if unknown:
        raise ValueError(f"kickoff_update cannot change: {', '.join(sorted(unknown))}")
    kickoff = _kickoff(kickoff)
    require(actor, "edit", kickoff.contract)
    ensure_editable(kickoff.contract)
    day = changes.get("meeting_date")
    if kickoff.is_held and day is not None and day != kickoff.meeting_date and day > timezone.localdate():
        raise InvalidTransition(f"The kickoff is recorded as held; its meeting date cannot move into the future "
                                f"({day:%d %b %Y}).")
    return model_update(instance=kickoff, fields=changes, allowed=KICKOFF_FIELDS, actor=actor, reason=need(reason))


@transaction.atomic
def kickoff_attendee_add(*, actor, kickoff: Kickoff, user, role: str) -> KickoffAttendee:
    kickoff = _kickoff(kickoff)
    require(actor, "edit", kickoff.contract)
    ensure_editable(kickoff.contract)
    if kickoff.attendees.filter(user=user).exists():
        raise ValidationError({"user": f"{user.get_full_name() or user.username} is already on the list."})
    if not user.is_active:
        raise ValidationError({"user": "Choose an active user."})
    attendee = save(KickoffAttendee(kickoff=kickoff, user=user, role=role), actor=actor,
                    reason=f"Attendee added: {user.username}")
    if user.pk != actor.pk:
        from contracts.notices import tell

        contract = kickoff.contract
        when = f" on {kickoff.meeting_date:%d %b %Y}" if kickoff.meeting_date else ""
        tell([user], kind="kickoff_invitation", key=f"contracts:kickoff:{kickoff.pk}:invite:{user.pk}",
             subject=f"{contract.reference}: you are invited to the negotiation kickoff{when}",
             body=f"Role at the kickoff: {attendee.get_role_display()}.", target=contract)
    return attendee


@transaction.atomic
def kickoff_attendee_remove(*, actor, attendee: KickoffAttendee, reason: str) -> None:
    """Take someone off the attendance list, with a reason, before the kickoff is held (refused after it: 409).
    The post-award manager may be removed too; holding the kickoff still requires them among the attendees."""
    kickoff = _kickoff(attendee.kickoff)
    require(actor, "edit", kickoff.contract)
    reason = need(reason)
    ensure_editable(kickoff.contract)
    if kickoff.is_held:
        raise InvalidTransition("The kickoff has been held; its attendance list is a record and stays as it is.")
    attendee = KickoffAttendee.objects.select_related("user").get(pk=attendee.pk, kickoff=kickoff)
    delete(attendee, actor=actor, reason=f"Attendee {attendee.user.username} removed: {reason}")


def hold_blockers(kickoff: Kickoff) -> list[str]:
    contract = kickoff.contract
    problems = []
    if kickoff.meeting_date is None:
        problems.append("Set the meeting date.")
    elif kickoff.meeting_date > timezone.localdate():
        problems.append(f"The meeting date ({kickoff.meeting_date:%d %b %Y}) is in the future; record it as held "
                        "on or after the day it takes place.")
    if not contract.post_award_manager_id:
        problems.append("Name the post-award contract manager in the contract team.")
    elif not kickoff.attendees.filter(user_id=contract.post_award_manager_id).exists():
        problems.append("The post-award contract manager must be among the attendees.")
    return problems


@transaction.atomic
def kickoff_hold(*, actor, kickoff: Kickoff, minutes: str = "") -> Kickoff:
    """Record that the kickoff took place. Refused without the post-award contract manager attending."""
    kickoff = _kickoff(kickoff)
    require(actor, "edit", kickoff.contract)
    ensure_editable(kickoff.contract)
    if kickoff.is_held:
        raise InvalidTransition("The kickoff is already recorded as held.")
    problems = hold_blockers(kickoff)
    if problems:
        raise InvalidTransition("The kickoff cannot be marked held: " + " ".join(problems))
    if minutes:
        kickoff.minutes = minutes
    kickoff.held_at, kickoff.held_by = timezone.now(), actor
    return save(kickoff, actor=actor, reason="Kickoff held")


@transaction.atomic
def kickoff_action_add(*, actor, kickoff: Kickoff, description: str, owner, due_date) -> KickoffAction:
    kickoff = _kickoff(kickoff)
    require(actor, "negotiate", kickoff.contract)
    return save(KickoffAction(kickoff=kickoff, description=description.strip(), owner=owner, due_date=due_date),
                actor=actor, reason="Kickoff action recorded")


@transaction.atomic
def kickoff_action_done(*, actor, action: KickoffAction, done: bool = True) -> KickoffAction:
    action = KickoffAction.objects.select_for_update(of=("self",)).select_related("kickoff__contract").get(pk=action.pk)
    require(actor, "negotiate", action.kickoff.contract)
    action.done = done
    return save(action, actor=actor, reason="Action done" if done else "Action reopened")
