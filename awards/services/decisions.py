"""Decisions taken together (issue 21), instead of one form per bid: the lead's knockout outcomes and shortlist
decisions of a procedure, and an evaluator's conflict-of-interest declarations for every bidder.

Each decision still goes through its own service (`knockout_decide`, `bid_decide`, `conflict_declare`), so every
rule stays where it lives: an override of the evidence needs its reason, a bid that fails a knockout is never
shortlisted. All or nothing: each decision runs in its own savepoint so every refusal is collected and shown at
its row, then the whole set is undone when any was refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from awards.models import Bid, Knockout
from awards.services.bids import bid_decide
from awards.services.evaluators import conflict_declare
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


@dataclass(frozen=True)
class DeclarationChoice:
    key: str
    bid: Bid
    has_conflict: bool
    description: str = ""


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc)]


def _each(steps, errors: dict[str, list[str]]) -> int:
    """Run each (key, call) in its own savepoint; collect refusals by key. Returns how many went through."""
    done = 0
    for key, call in steps:
        try:
            with transaction.atomic():
                call()
                done += 1
        except (ValidationError, DomainError) as exc:
            errors.setdefault(key, []).extend(_messages(exc))
    return done


def _settle(recorded: int, errors: dict[str, list[str]]) -> int:
    if errors:
        raise ValidationError(errors)
    if not recorded:
        raise ValidationError("Nothing to record: every outcome is as it was.")
    return recorded


@transaction.atomic
def evaluation_decide(*, actor, knockouts: list[KnockoutChoice], bids: list[BidChoice], reason: str) -> int:
    """Record the knockout outcomes first (a failure known now stops a shortlisting below), then the bids'
    decisions. Returns how many decisions were recorded; raises ValidationError keyed by each refused row."""
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    recorded = _each([(c.key, lambda c=c: knockout_decide(actor=actor, knockout=c.knockout, bid=c.bid,
                                                          passed=c.passed, reason=c.reason.strip() or reason))
                      for c in knockouts], errors)
    recorded += _each([(c.key, lambda c=c: bid_decide(actor=actor, bid=c.bid, status=c.status, reason=reason))
                       for c in bids], errors)
    return _settle(recorded, errors)


@transaction.atomic
def conflicts_declare(*, actor, declarations: list[DeclarationChoice]) -> int:
    """An evaluator's declarations for several bidders at once; each by `conflict_declare`, all or nothing."""
    errors: dict[str, list[str]] = {}
    recorded = _each([(d.key, lambda d=d: conflict_declare(actor=actor, bid=d.bid, has_conflict=d.has_conflict,
                                                           description=d.description))
                      for d in declarations], errors)
    return _settle(recorded, errors)
