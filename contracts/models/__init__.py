"""Contract negotiation kickoff and the handoff pack, split by concern."""

from contracts.models.changes import ChangeOrder
from contracts.models.clauses import ClauseFeedback, ClausePosition, PlaybookClause
from contracts.models.contract import (
    Contract,
    ContractGroupObjectPermission,
    ContractUserObjectPermission,
    TeamRole,
)
from contracts.models.exit import ExitRunbook, ExitStep, Incident
from contracts.models.kickoff import Kickoff, KickoffAction, KickoffAttendee
from contracts.models.payments import Invoice
from contracts.models.performance import Kpi, KpiMeasurement
from contracts.models.planning import (
    ChecklistItem,
    Milestone,
    NegotiationIssue,
    PackAcknowledgement,
    RaciActivity,
    RaciAssignment,
    Scenario,
)
from contracts.models.publication import Publication
from contracts.models.reviews import CheckIn

__all__ = [
    "ChangeOrder", "CheckIn", "ExitRunbook", "ExitStep", "Incident", "Invoice", "Kpi", "KpiMeasurement",
    "ChecklistItem", "ClauseFeedback", "ClausePosition", "Contract", "ContractGroupObjectPermission",
    "ContractUserObjectPermission", "Kickoff", "KickoffAction", "KickoffAttendee", "Milestone",
    "NegotiationIssue", "PackAcknowledgement", "PlaybookClause", "Publication", "RaciActivity", "RaciAssignment",
    "Scenario", "TeamRole",
]
