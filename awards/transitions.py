"""State machines of the award procedure, of a bid and of the decision memo, as data."""

from awards.models.bids import BidStatus
from awards.models.memo import MemoStatus
from awards.models.procedure import Stage
from procurement.statemachine import validate_machine

PROCEDURE_STAGES: dict[str, frozenset[str]] = {
    Stage.DRAFT: frozenset({Stage.REQUIREMENTS, Stage.CANCELLED}),
    Stage.REQUIREMENTS: frozenset({Stage.RFP_ISSUED, Stage.CANCELLED}),
    Stage.RFP_ISSUED: frozenset({Stage.EVALUATION, Stage.CANCELLED}),
    Stage.EVALUATION: frozenset({Stage.SHORTLIST, Stage.CANCELLED}),
    Stage.SHORTLIST: frozenset({Stage.AWARDED, Stage.CANCELLED}),
    Stage.AWARDED: frozenset(),
    Stage.CANCELLED: frozenset(),
}

# The forward path, in order (cancellation is a side exit).
PROCEDURE_PATH: tuple[str, ...] = (
    Stage.DRAFT, Stage.REQUIREMENTS, Stage.RFP_ISSUED, Stage.EVALUATION, Stage.SHORTLIST, Stage.AWARDED,
)

# Entered only by the approval of the award decision memo, never from the procedure page.
MEMO_ONLY_STAGES: frozenset[str] = frozenset({Stage.AWARDED})

BID_STATUSES: dict[str, frozenset[str]] = {
    BidStatus.INVITED: frozenset({BidStatus.DECLINED, BidStatus.SUBMITTED}),
    BidStatus.DECLINED: frozenset(),
    BidStatus.SUBMITTED: frozenset({BidStatus.KNOCKED_OUT, BidStatus.SHORTLISTED}),
    BidStatus.KNOCKED_OUT: frozenset(),
    BidStatus.SHORTLISTED: frozenset({BidStatus.KNOCKED_OUT, BidStatus.AWARDED, BidStatus.UNSUCCESSFUL}),
    BidStatus.AWARDED: frozenset(),
    BidStatus.UNSUCCESSFUL: frozenset(),
}

# Bid decisions the lead takes from the bid page (awarded/unsuccessful follow the memo).
LEAD_BID_DECISIONS: frozenset[str] = frozenset({BidStatus.KNOCKED_OUT, BidStatus.SHORTLISTED})

# The decision memo (awards.services.memo):
#   draft --submit--> in_approval --(every committee at quorum)--> approved   (final, immutable)
#                     in_approval --(one rejection)--> rejected --(revise)--> draft
#                     in_approval --(changes requested, or the lead edits)--> draft   (the route is voided)
MEMO_TRANSITIONS: dict[str, frozenset[str]] = {
    MemoStatus.DRAFT: frozenset({MemoStatus.IN_APPROVAL}),
    MemoStatus.IN_APPROVAL: frozenset({MemoStatus.APPROVED, MemoStatus.REJECTED, MemoStatus.DRAFT}),
    MemoStatus.REJECTED: frozenset({MemoStatus.DRAFT}),
    MemoStatus.APPROVED: frozenset(),
}

STAGE_LABELS = dict(Stage.choices)
BID_LABELS = dict(BidStatus.choices)
MEMO_LABELS = dict(MemoStatus.choices)

validate_machine(PROCEDURE_STAGES, Stage.values)
validate_machine(BID_STATUSES, BidStatus.values)
validate_machine(MEMO_TRANSITIONS, MemoStatus.values)


def next_stage(current: str) -> str | None:
    """The next stage on the forward path, or None at the end (or when cancelled)."""
    if current not in PROCEDURE_PATH:
        return None
    index = PROCEDURE_PATH.index(current)
    return PROCEDURE_PATH[index + 1] if index + 1 < len(PROCEDURE_PATH) else None
