"""Debriefs for the bidders who did not win: opened on approval, prefilled from the frozen scoring snapshot
(the bidder's own group scores next to the winning bid's, never another bidder's detail), edited by the lead."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from awards.models import Bid, Debrief, DecisionMemo, MemoVersion
from awards.policies import debrief_policy
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_save

DEBRIEFED_STATUSES = (Bid.Status.UNSUCCESSFUL, Bid.Status.KNOCKED_OUT)


def debriefs_open(*, memo: DecisionMemo, actor) -> list[Debrief]:
    """One debrief per unsuccessful (or knocked-out) bid, prefilled from the approved version's snapshot."""
    version = MemoVersion.objects.get(memo=memo, number=memo.version)
    lines = version.scoring_snapshot.get("debriefs", {})
    opened = []
    for bid in Bid.objects.filter(procedure_id=memo.procedure_id, status__in=DEBRIEFED_STATUSES).order_by("pk"):
        if Debrief.objects.filter(bid=bid).exists():
            continue
        own = lines.get(str(bid.pk), {})
        debrief = Debrief(memo=memo, bid=bid, own_total=own.get("total"), winning_total=own.get("winning_total"),
                          groups=own.get("groups", []),
                          exclusion_reason=own.get("reason", "") or (bid.status_reason
                                                                     if bid.status == Bid.Status.KNOCKED_OUT else ""))
        attribute(debrief, actor=actor, reason="Debrief opened on award")
        debrief.save()
        opened.append(debrief)
    return opened


@transaction.atomic
def debrief_update(*, actor, debrief: Debrief, held_on: date | None, attendees: str = "", strengths: str = "",
                   weaknesses: str = "", advice: str = "") -> Debrief:
    debrief = Debrief.objects.select_for_update().select_related("memo__procedure", "bid__vendor").get(pk=debrief.pk)
    require(actor, debrief_policy, "edit", debrief)
    if not debrief.memo.is_approved:
        raise DomainError("Debriefs follow an approved decision memo.")
    debrief.held_on, debrief.attendees = held_on, attendees.strip()
    debrief.strengths, debrief.weaknesses, debrief.advice = strengths.strip(), weaknesses.strip(), advice.strip()
    model_save(debrief, actor=actor, reason="Debrief recorded")
    return debrief
