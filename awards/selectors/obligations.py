"""What a bid owes for due diligence, judged on its vendor's tier today (issue 17, finding 7).

The bid keeps the tier and obligations of invitation day (`Bid.vendor_tier` and friends) as a record only; every
reader asks here, so a vendor tiered after the invitation changes what its bid owes at once.

Reference checks are counted in one place, `reference_status(bid)`: the bid's ReferenceCheck rows against the
obligations of the vendor's current tier, with one sentence (`.line`) that the bid page, the procedure page, the
shortlist prerequisites and the decision memo's due-diligence list all print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from awards.models import Bid, ReferenceCheck

REFERENCES_LABEL = "Reference checks"


def bid_obligations(bid: Bid, *, plans=None):
    """The vendor's current tier's obligations (vendors.selectors.TierObligations); untiered = strictest plan.
    Pass `plans` (vendors.selectors.dd_plans()) when looping over bids."""
    from vendors.selectors import tier_obligations

    return tier_obligations(bid.vendor.tier, plans=plans)


@dataclass(frozen=True)
class ReferenceStatus:
    total: int
    independent: int
    required: int
    independent_required: int

    @property
    def met(self) -> bool:
        return self.total >= self.required and self.independent >= self.independent_required

    @property
    def line(self) -> str:
        return (f"{REFERENCES_LABEL}: {self.total} of {self.required} done, {self.independent} of "
                f"{self.independent_required} sourced independently")


def reference_status(bid: Bid, *, plans=None) -> ReferenceStatus:
    """The bid's reference checks (prefetched on the pages) against what the vendor's current tier asks."""
    obligations = bid_obligations(bid, plans=plans)
    checks = list(bid.reference_checks.all())
    independent = sum(1 for c in checks if c.source == ReferenceCheck.Source.INDEPENDENT)
    return ReferenceStatus(total=len(checks), independent=independent,
                           required=obligations.references_required,
                           independent_required=obligations.independent_references_required)


@dataclass(frozen=True)
class BidDueDiligence:
    """The vendor's due-diligence checklist with its references item replaced by the bid's reference checks."""

    as_of: date
    complete: bool
    gaps: tuple[str, ...]
    satisfied: tuple[str, ...]


def bid_due_diligence(bid: Bid, as_of: date, *, plans=None, checklist=None) -> BidDueDiligence:
    """Due diligence of the bid's vendor as of `as_of`, where references are the bid's reference checks (the same
    records and the same sentence as `reference_status`), not the vendor's reference evidence."""
    from vendors.selectors import dd_checklist, dd_plans

    plans = plans if plans is not None else dd_plans()  # read once, for the checklist and the references
    checklist = checklist or dd_checklist(bid.vendor, as_of, plans=plans)
    vendor_references = {item.line for item in checklist.items if item.code == "references"}
    gaps = [line for line in checklist.gaps if line not in vendor_references]
    satisfied = [line for line in checklist.satisfied if line not in vendor_references]
    references = reference_status(bid, plans=plans)
    if references.required or references.independent_required:
        (satisfied if references.met else gaps).append(references.line)
    return BidDueDiligence(as_of=as_of, complete=not gaps, gaps=tuple(gaps), satisfied=tuple(satisfied))
