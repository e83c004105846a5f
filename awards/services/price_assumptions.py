"""Writes of the lead's price inputs (issue 20): volume assumptions, and the price schedule of a recorded bid.

Volume assumptions (what usage prices are multiplied by) may be added, changed or removed until proposals-due
has passed (and only while the procedure is not yet in evaluation). Once the RFP is issued every change is
announced to every invited bidder as a clarification (awards.services.bidder_notices), because it changes what
their price means. An assumption a price line already uses cannot be removed.

For procedures whose proposals are received outside Baton ("recorded"), the lead types in a bid's price schedule
(the same shape the portal seals: awards.services.price.price_schedule_clean); it becomes PriceLine rows at once.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from awards.models import AwardProcedure, Bid, PriceLine, VolumeAssumption
from awards.models.procedure import Stage, Submission
from awards.policies import procedure_policy
from awards.selectors.timeline import proposals_closed
from awards.services._common import lock_procedure, locked
from awards.services.bidder_notices import bidder_notice_publish
from awards.services.price import price_lines_from_schedule
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_delete, model_save

ASSUMPTION_STAGES = (Stage.DRAFT, Stage.REQUIREMENTS, Stage.RFP_ISSUED)
ANNOUNCED_STAGES = (Stage.RFP_ISSUED,)
RECORDING_STAGES = (Stage.RFP_ISSUED, Stage.EVALUATION)


def assumptions_open(procedure: AwardProcedure) -> str | None:
    """Why the volume assumptions can no longer change, or None while they can."""
    if procedure.stage not in ASSUMPTION_STAGES:
        return f"{procedure.reference} is {procedure.get_stage_display()}: the volume assumptions are fixed."
    if proposals_closed(procedure):
        return "Proposals were due on " f"{procedure.proposals_due:%d %b %Y}: the volume assumptions are fixed."
    return None


def _editable(*, actor, procedure_id) -> AwardProcedure:
    procedure = lock_procedure(procedure_id)
    require(actor, procedure_policy, "edit", procedure)
    why = assumptions_open(procedure)
    if why:
        raise DomainError(why)
    return procedure


def _volume(value) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({"monthly_volume": "Enter a number of units per month."}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({"monthly_volume": "Enter a number of units per month, zero or more."})
    return number


def _announce(procedure: AwardProcedure, *, actor, subject: str, body: str) -> None:
    if procedure.stage not in ANNOUNCED_STAGES:
        return
    bidder_notice_publish(actor=actor, procedure=procedure, kind="clarification", subject=subject, body=body,
                          key=f"volume-assumption:{timezone.now().isoformat()}:{subject}")


def _describe(a: VolumeAssumption) -> str:
    return f"{a.label}: {a.monthly_volume.normalize():f} {a.unit} per month (code {a.key})"


@transaction.atomic
def volume_assumption_add(*, actor, procedure: AwardProcedure, label: str, unit: str, monthly_volume,
                          key: str = "") -> VolumeAssumption:
    procedure = _editable(actor=actor, procedure_id=procedure.pk)
    existing = set(VolumeAssumption.objects.filter(procedure=procedure).values_list("key", flat=True))
    key = slugify(key or label)[:40] or "volume"
    if key in existing:
        raise ValidationError({"key": f"The code “{key}” is already used by another assumption."})
    position = len(existing)
    assumption = VolumeAssumption(procedure=procedure, key=key, label=(label or "").strip(),
                                  unit=(unit or "").strip(), monthly_volume=_volume(monthly_volume), position=position)
    model_save(assumption, actor=actor, reason="Volume assumption added")
    _announce(procedure, actor=actor, subject=f"New volume assumption: {assumption.label}",
              body=f"Price usage against this new assumption: {_describe(assumption)}. Usage lines are priced per "
                   "unit and multiplied by this volume over the whole term.")
    return assumption


@transaction.atomic
def volume_assumption_update(*, actor, assumption: VolumeAssumption, label: str, unit: str,
                             monthly_volume) -> VolumeAssumption:
    procedure = _editable(actor=actor, procedure_id=assumption.procedure_id)
    assumption = locked(VolumeAssumption, assumption.pk)
    before = _describe(assumption)
    assumption.label, assumption.unit = (label or "").strip(), (unit or "").strip()
    assumption.monthly_volume = _volume(monthly_volume)
    if _describe(assumption) == before:
        return assumption
    model_save(assumption, actor=actor, reason=f"Volume assumption changed (was {before})"[:100])
    _announce(procedure, actor=actor, subject=f"Volume assumption changed: {assumption.label}",
              body=f"A volume assumption has changed. Before: {before}. Now: {_describe(assumption)}. Check the "
                   "usage lines of your price schedule.")
    return assumption


@transaction.atomic
def volume_assumption_remove(*, actor, assumption: VolumeAssumption) -> None:
    procedure = _editable(actor=actor, procedure_id=assumption.procedure_id)
    assumption = locked(VolumeAssumption, assumption.pk)
    if PriceLine.objects.filter(assumption=assumption).exists():
        raise DomainError(f"A bid's price schedule already prices “{assumption.label}”: it cannot be removed.")
    described = _describe(assumption)
    model_delete(assumption, actor=actor, reason="Volume assumption removed")
    _announce(procedure, actor=actor, subject=f"Volume assumption withdrawn: {assumption.label}",
              body=f"This volume assumption no longer applies: {described}. Do not price usage against it.")


@transaction.atomic
def bid_price_record(*, actor, bid: Bid, schedule: dict, reason: str = "") -> list[PriceLine]:
    """The lead records the price schedule of a bid received outside Baton (recorded procedures only). A schedule
    recorded before is replaced, with a reason (the old lines stay in the history)."""
    procedure = lock_procedure(bid.procedure_id)
    require(actor, procedure_policy, "edit", procedure)
    if procedure.submission != Submission.RECORDED:
        raise DomainError("Bids of this procedure arrive sealed through the bidders' portal; their price schedules "
                          "are read at the opening, not typed in.")
    if procedure.stage not in RECORDING_STAGES:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()}: price schedules can no "
                          "longer be recorded.")
    bid = locked(Bid, bid.pk)
    if bid.procedure_id != procedure.pk:
        raise DomainError("That bid belongs to another procedure.")
    if bid.submitted_at is None:
        raise DomainError(f"Record the proposal of {bid.vendor} as received before its price schedule.")
    old = list(PriceLine.objects.filter(bid=bid))
    reason = (reason or "").strip()
    if old and not reason:
        raise ValidationError({"reason": "This bid already has a price schedule: say why it is replaced."})
    for line in old:
        model_delete(line, actor=actor, reason=f"Price schedule replaced: {reason}"[:100])
    return price_lines_from_schedule(actor=actor, bid=bid, schedule=schedule)
