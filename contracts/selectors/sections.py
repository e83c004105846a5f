"""Reads of the contract page, one section at a time.

The page is split into sections (overview, negotiation, handoff, delivery, money, performance, incidents, exit),
each with its own address. A request loads the contract once, with the count of open items of every section
computed in that same query (correlated sub-selects), then only the rows of the section it shows. Each reader
below runs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from contracts.models import (
    ChangeOrder,
    ChecklistItem,
    ClauseFeedback,
    ClausePosition,
    Contract,
    ExitStep,
    Incident,
    Invoice,
    KickoffAction,
    Kpi,
    KpiMeasurement,
    Milestone,
    NegotiationIssue,
)
from contracts.models.contract import TEAM_FIELDS

SETTLED_CLAUSES = (ClausePosition.Status.AGREED, ClausePosition.Status.CONCEDED)


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    # the annotation on the contract holding the number of open items (None: the tab shows no count)
    count: str | None = None
    # True: the section only starts once the contract is signed (shown collapsed while it is negotiated)
    after_signature: bool = False
    # why it is collapsed while the contract is negotiated (one sentence)
    not_yet: str = ""
    # what the contract row carries for this section (select_related)
    related: tuple[str, ...] = ()

    @property
    def template(self) -> str:
        return f"contracts/sections/_{self.key}.html"


SECTIONS: dict[str, Section] = {s.key: s for s in (
    Section("overview", "Overview",
            related=TEAM_FIELDS),
    Section("negotiation", "Kickoff and clauses", count="open_negotiation", related=("kickoff", "kickoff__held_by")),
    Section("handoff", "Handoff", count="open_handoff"),
    Section("delivery", "Delivery", count="open_delivery"),
    Section("money", "Payments and changes", count="open_money", after_signature=True, related=TEAM_FIELDS,
            not_yet="Invoices, payments and change orders start once the contract is signed; it is still being "
                    "negotiated."),
    Section("performance", "Performance", count="open_performance", after_signature=True,
            not_yet="KPIs are measured and check-ins held once the contract is signed; it is still being "
                    "negotiated."),
    Section("incidents", "Incidents", count="open_incidents", after_signature=True,
            not_yet="Vendor incidents are recorded against a signed contract; this one is still being negotiated."),
    Section("exit", "Exit", count="open_exit", related=("exit_runbook",)),
)}


def _count(queryset, path: str = "contract"):
    """The number of `queryset`'s rows that belong to the outer contract, as a sub-select (0 when none)."""
    rows = (queryset.filter(**{path: OuterRef("pk")}).order_by().values(path).annotate(n=Count("pk"))
            .values("n")[:1])
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _breaching_kpis():
    """KPIs whose latest measurement breaches their commitment."""
    latest = KpiMeasurement.objects.filter(kpi=OuterRef("pk")).order_by("-measured_on", "-pk")
    return Kpi.objects.annotate(latest_breach=Subquery(latest.values("breach")[:1])).filter(latest_breach=True)


def open_counts() -> dict:
    """Annotations: the open items of each section (what is left to settle there), in the contract's own query."""
    unsettled = Q(done_on__isnull=True) & Q(waived_reason="")
    return {
        # clauses not yet agreed or conceded, open issues, kickoff actions not done
        "open_negotiation": (_count(ClausePosition.objects.exclude(status__in=SETTLED_CLAUSES))
                             + _count(NegotiationIssue.objects.filter(status=NegotiationIssue.Status.OPEN))
                             + _count(KickoffAction.objects.filter(done=False), "kickoff__contract")),
        # checklist items neither done nor waived
        "open_handoff": _count(ChecklistItem.objects.filter(unsettled)),
        # milestones not accepted yet (planned, delivered and waiting for a decision, or rejected)
        "open_delivery": _count(Milestone.objects.exclude(status=Milestone.Status.ACCEPTED)),
        # invoices not paid, change orders waiting for a decision
        "open_money": (_count(Invoice.objects.exclude(status=Invoice.Status.PAID))
                       + _count(ChangeOrder.objects.filter(status=ChangeOrder.Status.PROPOSED))),
        # KPIs in breach at their latest measurement
        "open_performance": _count(_breaching_kpis()),
        # incidents the vendor has not told us about yet
        "open_incidents": _count(Incident.objects.filter(notified_at__isnull=True)),
        # exit steps neither done nor waived
        "open_exit": _count(ExitStep.objects.filter(unsettled)),
    }


def section_queryset(section: Section):
    """The contract row for `section`: what the page head shows, the section's own one-to-one rows, and the
    open-item counts of every tab."""
    return Contract.objects.select_related("vendor", "procedure", *section.related).annotate(**open_counts())


def tabs(contract: Contract, current: Section) -> list[dict]:
    """The tab bar: each section with its address, its open-item count and whether it applies yet."""
    from django.urls import reverse

    negotiating = contract.status == Contract.Status.NEGOTIATING
    return [{"key": s.key, "label": s.label, "current": s.key == current.key,
             "count": getattr(contract, s.count) if s.count else None,
             "not_yet": s.after_signature and negotiating,
             "url": (contract.get_absolute_url() if s.key == "overview"
                     else reverse("contracts:section", args=[contract.reference, s.key]))}
            for s in SECTIONS.values()]


def not_yet(contract: Contract, section: Section) -> str:
    """Why `section` does not apply to `contract` yet ("" when it does)."""
    return section.not_yet if section.after_signature and contract.status == Contract.Status.NEGOTIATING else ""


# --- the rows of each section -------------------------------------------------------------------------------------

def negotiation_rows(contract: Contract) -> dict:
    """Kickoff (attendees, actions), clause positions with their feedback, scenarios, the RACI grid and the issue
    log. The kickoff itself comes with the contract row."""
    from contracts.models import KickoffAttendee
    from contracts.models.planning import RACI_PARTIES
    from contracts.transitions import CLAUSE_TRANSITIONS

    kickoff = getattr(contract, "kickoff", None)
    attendees, actions = [], []
    if kickoff is not None:
        attendees = list(KickoffAttendee.objects.filter(kickoff=kickoff).select_related("user"))
        actions = list(KickoffAction.objects.filter(kickoff=kickoff).select_related("owner"))
    clauses = list(contract.clauses.select_related("owner", "playbook_clause").prefetch_related(
        Prefetch("feedback", queryset=ClauseFeedback.objects.select_related("author", "responded_by"))))
    for clause in clauses:
        clause.feedback_rows = list(clause.feedback.all())
        clause.open_feedback = [f for f in clause.feedback_rows if not f.resolved]
        clause.next_states = sorted(CLAUSE_TRANSITIONS.get(clause.status, ()))
    parties = [key for key, _ in RACI_PARTIES]
    raci_rows = [(a, [{c.party: c.code for c in a.assignments.all()}.get(p, "") for p in parties])
                 for a in contract.raci_activities.prefetch_related("assignments")]
    return {
        "kickoff": kickoff, "attendees": attendees, "actions": actions, "clauses": clauses,
        "scenarios": list(contract.scenarios.prefetch_related("clauses")),
        "raci_rows": raci_rows, "raci_parties": RACI_PARTIES,
        "issues": list(contract.issues.select_related("raised_by")),
    }


def handoff_rows(contract: Contract) -> dict:
    return {"checklist": list(contract.checklist.select_related("owner"))}


def delivery_rows(contract: Contract, *, today) -> dict:
    milestones = list(contract.milestones.select_related("tester", "decided_by"))
    for m in milestones:
        m.state, m.state_label = m.state_on(today), m.state_label_on(today)
    return {"milestones": milestones}


def money_rows(contract: Contract, *, today) -> dict:
    invoices = list(contract.invoices.select_related("milestone"))
    for inv in invoices:
        inv.due, inv.late = inv.due_on(contract.payment_terms_days), inv.is_late_on(today, contract.payment_terms_days)
    return {"invoices": invoices,
            "change_orders": list(contract.change_orders.select_related("raised_by", "decided_by"))}


def performance_rows(contract: Contract) -> dict:
    return {"kpis": list(contract.kpis.select_related("clause")),
            "checkins": list(contract.checkins.select_related("recorded_by"))}


def incident_rows(contract: Contract, *, now) -> dict:
    incidents = list(contract.incidents.select_related("reported_by").prefetch_related("clauses", "scenarios"))
    for incident in incidents:
        incident.late = incident.notified_late(now)
    return {"incidents": incidents}


def exit_rows(contract: Contract) -> dict:
    return {"exit_steps": list(contract.exit_steps.select_related("owner"))}
