"""Writes on reference checks."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from awards.models import Bid, ReferenceCheck
from awards.policies import bid_policy
from awards.services._common import lock_procedure, locked
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_save


@transaction.atomic
def reference_check_add(*, actor, bid: Bid, source: str, organisation: str, checked_on: date, findings: str,
                        rating: int, contact_role: str = "") -> ReferenceCheck:
    lock_procedure(bid.procedure_id)
    bid = locked(Bid, bid.pk)
    require(actor, bid_policy, "edit", bid)
    if not bid.procedure.is_open:
        raise DomainError(f"{bid.procedure.reference} is closed.")
    if bid.status in (Bid.Status.INVITED, Bid.Status.DECLINED):
        raise DomainError("Reference checks are taken for bids that have been submitted.")
    if checked_on and checked_on > timezone.localdate():
        raise ValidationError({"checked_on": "The check cannot be dated in the future."})
    check = ReferenceCheck(bid=bid, source=source, organisation=organisation, contact_role=contact_role,
                           checked_on=checked_on, findings=findings, rating=rating, recorded_by=actor)
    model_save(check, actor=actor, reason="Reference check recorded")
    return check
