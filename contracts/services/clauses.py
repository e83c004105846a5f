"""Clause positions (status as data), escalation and concessions, and clause-level feedback."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.models import ClauseFeedback, ClausePosition
from contracts.services._common import ensure_editable, need, require, save
from contracts.transitions import CLAUSE_TRANSITIONS
from procurement.exceptions import InvalidTransition
from procurement.services import model_update
from procurement.statemachine import ensure_transition

S = ClausePosition.Status
POSITION_FIELDS = ("target", "fallback", "walk_away", "vendor_position", "owner", "agreed_summary")
TEAM_POSITION_FIELDS = ("vendor_position",)
# Which risk-register category a concession on a playbook clause lands in.
RISK_CATEGORY = {
    "data-rights": "privacy", "no-training": "privacy", "confidentiality": "privacy", "ip-indemnity": "ip",
    "service-levels": "performance", "model-change": "model_change", "performance": "performance",
    "incident-notification": "security", "subprocessors": "privacy", "audit-attestations": "security",
    "ai-act-flow-down": "regulatory", "exit-assistance": "concentration", "pricing-caps": "cost_overrun",
    "liability": "financial", "termination": "concentration",
}


def _position(position: ClausePosition) -> ClausePosition:
    return (ClausePosition.objects.select_for_update(of=("self",))
            .select_related("contract__vendor", "playbook_clause").get(pk=position.pk))


@transaction.atomic
def clause_position_update(*, actor, position: ClausePosition, reason: str = "Clause position edited",
                           **changes) -> ClausePosition:
    """The negotiation side (a procurement lead) edits our positions; any team member, the post-award manager
    included, may record the vendor's current position."""
    unknown = set(changes) - set(POSITION_FIELDS)
    if unknown:
        raise ValueError(f"clause_position_update cannot change: {', '.join(sorted(unknown))}")
    position = _position(position)
    contract = position.contract
    ours = any(name in changes and changes[name] != getattr(position, name)
               for name in POSITION_FIELDS if name not in TEAM_POSITION_FIELDS)
    require(actor, "position" if ours else "negotiate", contract)
    ensure_editable(contract)
    if position.status in (S.AGREED, S.CONCEDED) and ours:
        raise InvalidTransition(f"“{position}” is settled; reopen it before changing our positions.")
    return model_update(instance=position, fields=changes, allowed=POSITION_FIELDS, actor=actor,
                        reason=need(reason), check=_check_positions)


def _check_positions(position: ClausePosition) -> None:
    for name in ("target", "fallback", "walk_away"):
        if not (getattr(position, name) or "").strip():
            raise ValidationError({name: "Every clause carries a target, a fallback and a walk-away position."})


def unresolved_feedback(position: ClausePosition) -> list[ClauseFeedback]:
    return [f for f in position.feedback.all() if not f.resolved]


def _concession_risk(position: ClausePosition, *, actor, reason: str):
    from vendors.services import risk_create

    contract = position.contract
    key = position.playbook_clause.key if position.playbook_clause_id else ""
    return risk_create(
        actor=actor, vendor=contract.vendor,
        title=f"Conceded beyond walk-away: {position.title}"[:200],
        category=RISK_CATEGORY.get(key, "financial"),
        description=(f"In negotiating {contract.reference} we accepted less than our walk-away position.\n\n"
                     f"**Walk-away:** {position.walk_away}\n\n**Agreed:** {position.agreed_summary}\n\n"
                     f"**Why:** {reason}"),
        inherent_likelihood=3, inherent_impact=4, residual_likelihood=3, residual_impact=4,
        owner=contract.post_award_manager or contract.negotiation_lead,
        review_date=timezone.localdate() + timedelta(days=90),
        context=contract.reference, reason=f"Concession beyond walk-away on {contract.reference}",
    )


@transaction.atomic
def clause_set_status(*, actor, position: ClausePosition, status: str, reason: str = "",
                      agreed_summary: str | None = None, beyond_walk_away: bool = False,
                      override_reason: str = "") -> ClausePosition:
    """Move a clause along its negotiation.

    - agreed / conceded need the agreed wording; unresolved feedback blocks `agreed` unless the lead overrides
      it with a reason;
    - every move is the negotiation side's (policy "position": the post-award manager comments through
      feedback, they do not move clauses); escalating, conceding and overriding feedback are the lead's decisions;
    - conceding beyond our walk-away needs the clause escalated first, and registers a risk against the vendor
      (through the vendors service, with history).
    """
    position = _position(position)
    contract = position.contract
    ensure_editable(contract)
    decides = status in (S.ESCALATED, S.CONCEDED) or bool(override_reason.strip())
    require(actor, "decide" if decides else "position", contract)
    ensure_transition(CLAUSE_TRANSITIONS, position.status, status, labels=dict(S.choices),
                      subject=f"Clause “{position.title}”")
    if agreed_summary is not None:
        position.agreed_summary = agreed_summary.strip()
    note = (reason or "").strip()
    if status in (S.AGREED, S.CONCEDED) and not position.agreed_summary:
        raise ValidationError({"agreed_summary": "Summarise the wording that was agreed."})
    if status == S.AGREED:
        pending = unresolved_feedback(position)
        if pending and not override_reason.strip():
            raise InvalidTransition(
                f"“{position.title}” has {len(pending)} unresolved feedback item{'s' if len(pending) > 1 else ''}; "
                "answer and resolve them, or have the procurement lead override with a reason.")
        if pending:
            position.feedback_override_reason = override_reason.strip()
            note = f"{note} (unresolved feedback overridden: {override_reason.strip()})".strip()
    if status == S.ESCALATED:
        position.escalation_reason = need(reason, message="Say why the clause is escalated.")
    if status == S.CONCEDED:
        need(reason, message="Say what was conceded and why.")
        if beyond_walk_away:
            if position.status != S.ESCALATED:
                raise InvalidTransition(f"Conceding “{position.title}” beyond our walk-away position needs the "
                                        "clause escalated first.")
            position.beyond_walk_away = True
            position.status = status
            position.risk = _concession_risk(position, actor=actor, reason=reason)
    if status == S.OPEN:
        position.beyond_walk_away = False
        position.feedback_override_reason = ""
    position.status = status
    return save(position, actor=actor,
                reason=f"{position.get_status_display()}" + (f": {note}" if note else ""))


@transaction.atomic
def feedback_add(*, actor, position: ClausePosition, topic: str, body: str) -> ClauseFeedback:
    position = _position(position)
    require(actor, "negotiate", position.contract)
    ensure_editable(position.contract)
    return save(ClauseFeedback(position=position, author=actor, topic=topic, body=(body or "").strip()),
                actor=actor, reason=f"Feedback on {position.title}"[:100])


@transaction.atomic
def feedback_respond(*, actor, feedback: ClauseFeedback, response: str, resolve: bool = True) -> ClauseFeedback:
    feedback = (ClauseFeedback.objects.select_for_update(of=("self",)).select_related("position__contract")
                .get(pk=feedback.pk))
    require(actor, "negotiate", feedback.position.contract)
    if feedback.resolved:
        raise InvalidTransition("This feedback is already resolved.")
    feedback.response = need(response, "response", "Write an answer.")
    feedback.responded_by = actor
    if resolve:
        feedback.resolved_at = timezone.now()
    return save(feedback, actor=actor, reason="Feedback resolved" if resolve else "Feedback answered")
