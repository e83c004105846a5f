"""The lead's evaluation decisions taken together (issue 21): every knockout outcome and shortlist decision of a
procedure confirmed on one page, instead of one form per bid and knockout.

Each decision still goes through its own service (`knockout_decide`, `bid_decide`), so every rule stays where it
lives: an override of the evidence needs its reason, a bid that fails a knockout is never shortlisted. All or
nothing: each decision runs in its own savepoint so every refusal is collected and shown at its row, then the
whole set is undone when any was refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from awards.models import Bid, Knockout
from awards.services.bids import bid_decide
from awards.services.scoring_scores import knockout_decide
from procurement.exceptions import DomainError


@dataclass(frozen=True)
class KnockoutChoice:
    key: str  # where a refusal is shown (a form field name)
    knockout: Knockout
    bid: Bid
    passed: bool
    reason: str = ""


@dataclass(frozen=True)
class BidChoice:
    key: str
    bid: Bid
    status: str  # Bid.Status.SHORTLISTED or Bid.Status.KNOCKED_OUT


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc)]


@transaction.atomic
def evaluation_decide(*, actor, knockouts: list[KnockoutChoice], bids: list[BidChoice], reason: str) -> int:
    """Record the knockout outcomes first (a failure known now stops a shortlisting below), then the bids'
    decisions. Returns how many decisions were recorded; raises ValidationError keyed by each refused row."""
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    recorded = 0
    for choice in knockouts:
        try:
            with transaction.atomic():
                knockout_decide(actor=actor, knockout=choice.knockout, bid=choice.bid, passed=choice.passed,
                                reason=choice.reason.strip() or reason)
                recorded += 1
        except (ValidationError, DomainError) as exc:
            errors.setdefault(choice.key, []).extend(_messages(exc))
    for choice in bids:
        try:
            with transaction.atomic():
                bid_decide(actor=actor, bid=choice.bid, status=choice.status, reason=reason)
                recorded += 1
        except (ValidationError, DomainError) as exc:
            errors.setdefault(choice.key, []).extend(_messages(exc))
    if errors:
        raise ValidationError(errors)
    if not recorded:
        raise ValidationError("Nothing to record: every outcome is as it was.")
    return recorded
