"""Writes on the demo/POV protocol: our criteria, the lock (with its hash) before the demo, then the results."""

import hashlib
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from awards.models import Bid, PovCriterion, PovProtocol
from awards.models.pov import _plain
from awards.policies import bid_policy
from awards.services._common import clean_reason, lock_procedure, locked
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_delete, model_save


def criteria_canonical_json(criteria) -> str:
    """The criteria as canonical JSON (sorted keys, fixed order, normalised numbers): what the hash pins."""
    rows = [
        {"metric": c.metric.strip(), "comparator": c.comparator, "threshold": _plain(c.threshold),
         "unit": c.unit.strip(), "test_set": c.test_set.strip()}
        for c in sorted(criteria, key=lambda c: c.pk)
    ]
    return json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def criteria_hash(criteria) -> str:
    return hashlib.sha256(criteria_canonical_json(criteria).encode("utf-8")).hexdigest()


def _editable_protocol(*, actor, bid: Bid) -> tuple[Bid, PovProtocol]:
    lock_procedure(bid.procedure_id)
    bid = locked(Bid, bid.pk)
    require(actor, bid_policy, "edit", bid)
    if not bid.procedure.is_open:
        raise DomainError(f"{bid.procedure.reference} is closed.")
    protocol, _ = PovProtocol.objects.get_or_create(bid=bid, defaults={})
    protocol = locked(PovProtocol, protocol.pk)
    if protocol.is_locked:
        raise DomainError("The POV protocol is locked; its criteria can no longer change.")
    return bid, protocol


@transaction.atomic
def pov_criterion_add(*, actor, bid: Bid, metric: str, comparator: str, threshold: Decimal, unit: str,
                      test_set: str) -> PovCriterion:
    bid, protocol = _editable_protocol(actor=actor, bid=bid)
    criterion = PovCriterion(protocol=protocol, metric=metric, comparator=comparator, threshold=threshold,
                             unit=unit, test_set=test_set)
    model_save(criterion, actor=actor, reason="POV criterion added")
    return criterion


@transaction.atomic
def pov_criterion_update(*, actor, criterion: PovCriterion, metric: str, comparator: str, threshold: Decimal,
                         unit: str, test_set: str) -> PovCriterion:
    _editable_protocol(actor=actor, bid=criterion.protocol.bid)
    criterion = locked(PovCriterion, criterion.pk)
    criterion.metric, criterion.comparator, criterion.threshold = metric, comparator, threshold
    criterion.unit, criterion.test_set = unit, test_set
    model_save(criterion, actor=actor, reason="POV criterion changed before the lock")
    return criterion


@transaction.atomic
def pov_criterion_remove(*, actor, criterion: PovCriterion, reason: str = "") -> None:
    """Remove one of our success criteria while the protocol is still open (issue 21: undo with a reason). The
    reason is required and kept as the change reason of the removed row's history."""
    _editable_protocol(actor=actor, bid=criterion.protocol.bid)
    criterion = locked(PovCriterion, criterion.pk)
    why = clean_reason(reason, what="the reason for removing this criterion")
    model_delete(criterion, actor=actor, reason=why)


@transaction.atomic
def pov_lock(*, actor, bid: Bid) -> PovProtocol:
    """Lock the criteria and pin their sha256; only before the demo/POV window opens."""
    bid, protocol = _editable_protocol(actor=actor, bid=bid)
    procedure = bid.procedure
    criteria = list(protocol.criteria.all())
    if not criteria:
        raise DomainError("Add at least one success criterion before locking the protocol.")
    if procedure.demo_start is None:
        raise DomainError("Set the demo/POV window in the timeline before locking the protocol.")
    today = timezone.localdate()
    if today >= procedure.demo_start:
        raise DomainError(f"The demo/POV window opened on {date_format(procedure.demo_start, 'j M Y')}; criteria "
                          "must be locked before it, so this protocol can no longer be locked.")
    protocol.content_hash = criteria_hash(criteria)
    protocol.locked_at, protocol.locked_by = timezone.now(), actor
    attribute(protocol, actor=actor, reason=f"Locked (sha256 {protocol.content_hash[:12]}…)")
    protocol.save(update_fields=["content_hash", "locked_at", "locked_by", "updated_at"])
    return protocol


@transaction.atomic
def pov_result_record(*, actor, criterion: PovCriterion, value: Decimal, note: str = "") -> PovCriterion:
    """Enter the measured result of one criterion, after the lock, against the criteria as hashed."""
    bid = criterion.protocol.bid
    lock_procedure(bid.procedure_id)
    require(actor, bid_policy, "edit", bid)
    protocol = locked(PovProtocol, criterion.protocol_id)
    if not protocol.is_locked:
        raise DomainError("Lock the POV protocol before entering results.")
    criteria = list(protocol.criteria.all())
    if criteria_hash(criteria) != protocol.content_hash:
        raise DomainError("The POV criteria no longer match the locked hash; results cannot be entered.")
    if value is None:
        raise ValidationError({"value": "Enter the measured value."})
    criterion = locked(PovCriterion, criterion.pk)
    criterion.result_value, criterion.result_note = value, (note or "").strip()
    criterion.result_by, criterion.result_at = actor, timezone.now()
    model_save(criterion, actor=actor, reason="POV result entered",
               update_fields=["result_value", "result_note", "result_by", "result_at", "updated_at"])
    return criterion
