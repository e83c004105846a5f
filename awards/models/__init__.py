"""Award procedure models, split by concern. Later capabilities add modules (e.g. scorecard.py) and import them here."""

from awards.models.approval import ApprovalRoute, ApprovalRule, Committee, RouteStep, SignOff  # noqa: F401 (issue 7)
from awards.models.bids import Bid, ProposalDocument
from awards.models.evaluators import ConflictDeclaration, EvaluatorAssignment
from awards.models.memo import Debrief, DecisionMemo, MemoAlternative, MemoVersion  # noqa: F401 (issue 7)
from awards.models.pov import PovCriterion, PovProtocol
from awards.models.procedure import (
    AwardProcedure,
    AwardProcedureGroupObjectPermission,
    AwardProcedureUserObjectPermission,
    Requirement,
)
from awards.models.qa import Question
from awards.models.references import ReferenceCheck
from awards.models.scorecard import (  # noqa: F401 (issue 5)
    ConsensusNote,
    Criterion,
    CriterionCoverage,
    CriterionGroup,
    Knockout,
    KnockoutDecision,
    Score,
    Scorecard,
    ScorecardTemplate,
    ScoreSheet,
)
from awards.models.waivers import Waiver, WaiverKind  # noqa: F401 (issue 17: waivers)

__all__ = [
    "AwardProcedure",
    "AwardProcedureGroupObjectPermission",
    "AwardProcedureUserObjectPermission",
    "Bid",
    "ConflictDeclaration",
    "EvaluatorAssignment",
    "PovCriterion",
    "PovProtocol",
    "ProposalDocument",
    "Question",
    "ReferenceCheck",
    "Requirement",
]
from awards.models.portal import BidderInvitation, BidderNotice, NoticeKind, RfpDocument  # noqa: F401 E402 (issue 20)
from awards.models.price import PriceLine, VolumeAssumption  # noqa: F401 E402 (issue 20)
from awards.models.sealed import (  # noqa: F401 E402 (issue 20: sealed bids)
    BidOpening,
    OpeningEntry,
    OpeningWitness,
    SealedItem,
    SealedSubmission,
    SealingKey,
)
from awards.models.templates import ProcedureTemplate  # noqa: E402,F401 (issue 21: set-up templates)
