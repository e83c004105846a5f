"""Which bids are out of the competition, and why (issue 17, findings 1 and 2).

A bid is out when the procurement lead confirmed Fail on one of its knockouts (a KnockoutDecision with
passed=False, the same rows awards.results feeds the scoring engine), or when the lead knocked it out. Such a bid
is never shortlisted or awarded, and no stage prerequisite waits for anything from it.
"""

from __future__ import annotations

from collections import defaultdict

from awards.models import Bid
from awards.models.scorecard import KnockoutDecision


def failed_knockouts(bid: Bid) -> list[KnockoutDecision]:
    """The knockouts confirmed as failed for this bid (knockout joined), in scorecard order."""
    return list(KnockoutDecision.objects.filter(bid=bid, passed=False).select_related("knockout")
                .order_by("knockout__position", "knockout__pk"))


def failed_knockout_sentence(decisions: list[KnockoutDecision]) -> str:
    names = ", ".join(f"“{d.knockout.name}”" for d in decisions)
    return f"failed the knockout{'s' if len(decisions) != 1 else ''} {names}"


def excluded_bids(procedure) -> dict[int, str]:
    """Bid id -> why the bid is out: failed knockouts (named) or knocked out by the lead. Two queries."""
    failed: dict[int, list[str]] = defaultdict(list)
    for bid_id, name in (KnockoutDecision.objects.filter(bid__procedure=procedure, passed=False)
                         .order_by("knockout__position", "knockout__pk").values_list("bid_id", "knockout__name")):
        failed[bid_id].append(f"“{name}”")
    out = {bid_id: f"failed the knockout{'s' if len(names) != 1 else ''} {', '.join(names)}"
           for bid_id, names in failed.items()}
    for bid_id in Bid.objects.filter(procedure=procedure, status=Bid.Status.KNOCKED_OUT).values_list("pk", flat=True):
        out.setdefault(bid_id, "knocked out by the procurement lead")
    return out
