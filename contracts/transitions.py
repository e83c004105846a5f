"""Contract status as data."""

from contracts.models.clauses import ClauseStatus
from contracts.models.contract import ContractStatus
from contracts.models.payments import InvoiceStatus
from contracts.models.planning import MilestoneStatus
from procurement.statemachine import validate_machine

S = ContractStatus
CONTRACT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEGOTIATING: frozenset({S.SIGNED, S.CLOSED}),
    S.SIGNED: frozenset({S.ACTIVE, S.CLOSED}),
    S.ACTIVE: frozenset({S.EXITING}),
    S.EXITING: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
validate_machine(CONTRACT_TRANSITIONS, S.values)

C = ClauseStatus
CLAUSE_TRANSITIONS: dict[str, frozenset[str]] = {
    C.OPEN: frozenset({C.PROPOSED, C.COUNTERED, C.AGREED, C.ESCALATED, C.CONCEDED}),
    C.PROPOSED: frozenset({C.COUNTERED, C.AGREED, C.ESCALATED, C.CONCEDED, C.OPEN}),
    C.COUNTERED: frozenset({C.PROPOSED, C.AGREED, C.ESCALATED, C.CONCEDED, C.OPEN}),
    C.ESCALATED: frozenset({C.PROPOSED, C.COUNTERED, C.AGREED, C.CONCEDED}),
    C.AGREED: frozenset({C.OPEN}),
    C.CONCEDED: frozenset({C.OPEN}),
}
validate_machine(CLAUSE_TRANSITIONS, C.values)

# Contract statuses in which negotiation records may still change.
EDITABLE = frozenset({S.NEGOTIATING, S.SIGNED})

M = MilestoneStatus
MILESTONE_TRANSITIONS: dict[str, frozenset[str]] = {
    M.PLANNED: frozenset({M.DELIVERED}),
    M.DELIVERED: frozenset({M.ACCEPTED, M.REJECTED}),
    M.REJECTED: frozenset({M.DELIVERED}),  # redelivered after a rejection
    M.ACCEPTED: frozenset(),
}
validate_machine(MILESTONE_TRANSITIONS, M.values)

I = InvoiceStatus  # noqa: E741
INVOICE_TRANSITIONS: dict[str, frozenset[str]] = {
    I.RECEIVED: frozenset({I.APPROVED, I.DISPUTED}),
    I.DISPUTED: frozenset({I.RECEIVED}),  # issue 21: a dispute is raised and resolved with a reason
    I.APPROVED: frozenset({I.PAID}),
    I.PAID: frozenset(),
}
validate_machine(INVOICE_TRANSITIONS, I.values)
