"""Contract negotiation kickoff and the handoff pack, split by concern."""

from contracts.models.clauses import ClauseFeedback, ClausePosition, PlaybookClause
from contracts.models.contract import (
    Contract,
    ContractGroupObjectPermission,
    ContractUserObjectPermission,
    TeamRole,
)
from contracts.models.kickoff import Kickoff, KickoffAction, KickoffAttendee
from contracts.models.planning import (
    ChecklistItem,
    Milestone,
    NegotiationIssue,
    PackAcknowledgement,
    RaciActivity,
    RaciAssignment,
    Scenario,
)

__all__ = [
    "ChecklistItem", "ClauseFeedback", "ClausePosition", "Contract", "ContractGroupObjectPermission",
    "ContractUserObjectPermission", "Kickoff", "KickoffAction", "KickoffAttendee", "Milestone",
    "NegotiationIssue", "PackAcknowledgement", "PlaybookClause", "RaciActivity", "RaciAssignment", "Scenario",
    "TeamRole",
]
