"""Periodic check-ins and vendor incidents."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts import checkins
from contracts.models import CheckIn, Contract, Incident
from contracts.notices import managers_of, tell
from contracts.services._common import ensure_open, locked, require, save, today
from contracts.services.planning import _clauses_of


@transaction.atomic
def checkin_record(*, actor, contract: Contract, team: str, held_on: date, answers: dict[str, str],
                   actions: str = "") -> CheckIn:
    """Record one team's check-in: an answer to every question of its template, and the actions agreed."""
    contract = locked(contract)
    require(actor, "manage", contract)
    ensure_open(contract)
    if team not in CheckIn.Team.values:
        raise ValidationError({"team": "Choose a team."})
    if held_on and held_on > today():
        raise ValidationError({"held_on": "A check-in cannot be recorded before it is held."})
    # the questions of the check-in template version the contract was opened under (issue 21)
    keys = [key for key, _topic, _text in checkins.questions_for(contract, team)]
    if not keys:
        raise ValidationError({"team": "The check-in template this contract follows has no question for this team."})
    cleaned = {key: (answers.get(key) or "").strip() for key in keys}
    missing = {f"answer_{key}": "Answer this question (write “not discussed” if it was skipped)."
               for key, value in cleaned.items() if not value}
    if missing:
        raise ValidationError(missing)
    return save(CheckIn(contract=contract, team=team, held_on=held_on, answers=cleaned,
                        actions=(actions or "").strip(), recorded_by=actor),
                actor=actor, reason=f"{CheckIn.Team(team).label} check-in recorded")


@transaction.atomic
def incident_record(*, actor, contract: Contract, kind: str, title: str, occurred_at, detected_at,
                    notified_at=None, description: str = "", clauses=(), scenarios=()) -> Incident:
    """Record a vendor incident against the contracted notification time (frozen onto the incident)."""
    contract = locked(contract)
    require(actor, "report", contract)
    ensure_open(contract)
    now = timezone.now()
    future = {name: "This time is in the future." for name, value in
              (("occurred_at", occurred_at), ("detected_at", detected_at), ("notified_at", notified_at))
              if value and value > now}
    if future:
        raise ValidationError(future)
    clauses = _clauses_of(contract, clauses)
    scenarios = list(scenarios or [])
    if any(s.contract_id != contract.pk for s in scenarios):
        raise ValidationError({"scenarios": "Link only scenarios of this contract."})
    incident = Incident(contract=contract, kind=kind, title=(title or "").strip(), description=description,
                        occurred_at=occurred_at, detected_at=detected_at, notified_at=notified_at,
                        notice_hours=contract.incident_notice_hours, reported_by=actor)
    late = incident.notified_late(now) if occurred_at and detected_at else False
    save(incident, actor=actor, reason="Incident recorded" + (" (vendor notification late)" if late else ""))
    incident._history_user = actor
    if clauses:
        incident.clauses.set(clauses)
    if scenarios:
        incident.scenarios.set(scenarios)
    tell(managers_of(contract) + [contract.security_reviewer], kind="incident",
         key=f"contracts:incident:{incident.pk}", target=contract,
         subject=f"{contract.reference}: {incident.get_kind_display().lower()} incident — {incident.title}"[:200],
         body="The vendor's notification was later than contracted." if late else "")
    return incident


@transaction.atomic
def incident_notified(*, actor, incident: Incident, notified_at) -> Incident:
    incident = Incident.objects.select_for_update(of=("self",)).select_related("contract").get(pk=incident.pk)
    require(actor, "report", incident.contract)
    if incident.notified_at:
        raise ValidationError({"notified_at": "The vendor's notification is already recorded."})
    if notified_at > timezone.now():
        raise ValidationError({"notified_at": "This time is in the future."})
    incident.notified_at = notified_at
    late = incident.notified_late(timezone.now())
    return save(incident, actor=actor,
                reason="Vendor notification recorded" + (" (later than contracted)" if late else ""))
