"""The contract page as sections loaded on demand (issue 18).

`contracts:detail` is the overview; `contracts:section` is any other section. Both answer a normal request with
the whole page (page head, tab bar, that section open), so links, bookmarks, printing and browsers without
JavaScript work, and an htmx request (a click on a tab) with the tab bar and the section only. Every section goes
through the same fetch-and-authorize as the page always did: a contract the user cannot see is a 404, and so is
a section name that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from contracts.models import Contract
from contracts.policies import contract_policy
from contracts.selectors import sections as reads
from contracts.selectors.sections import SECTIONS, Section
from contracts.transitions import CONTRACT_TRANSITIONS
from procurement import authz

# Where each form sends the person back: the anchor a form names (its panel, or a row of it such as
# "clause-12") belongs to one section.
ANCHOR_SECTIONS = {
    "kickoff": "negotiation", "clause": "negotiation", "clauses": "negotiation", "scenarios": "negotiation",
    "raci": "negotiation", "issues": "negotiation",
    "checklist": "handoff", "pack": "handoff",
    "milestones": "delivery", "milestone": "delivery",
    "payments": "money", "invoice": "money", "change-orders": "money", "co": "money",
    "kpis": "performance", "kpi": "performance", "checkins": "performance",
    "incidents": "incidents", "incident": "incidents",
    "exit": "exit", "exit-step": "exit",
}


def section_url(contract, section: str = "overview", anchor: str = "") -> str:
    """The address of one section of the contract page (the overview is the contract's own address)."""
    url = (contract.get_absolute_url() if section == "overview"
           else reverse("contracts:section", args=[contract.reference, section]))
    return url + (f"#{anchor}" if anchor else "")


def section_of_anchor(anchor: str) -> str:
    """The section holding the panel or row `anchor` ("clause-12" is in the negotiation section)."""
    if not anchor:
        return "overview"
    head, _, tail = anchor.rpartition("-")
    key = head if tail.isdigit() and head else anchor
    return ANCHOR_SECTIONS.get(key, "overview")


def back_to(contract, anchor: str = "") -> str:
    """Where a contract form returns to after it succeeds (or is cancelled): the section of `anchor`, at it."""
    return section_url(contract, section_of_anchor(anchor), anchor)


@login_required
def contract_detail(request, reference):
    """The landing page of a contract: the page head, the tab bar and the overview."""
    return _answer(request, reference, SECTIONS["overview"])


@login_required
def contract_section(request, reference, name):
    section = SECTIONS.get(name)
    if section is None:
        raise Http404("No such section of the contract page.")
    return _answer(request, reference, section)


def _answer(request, reference: str, section: Section):
    user = request.user
    contract = authz.get_for_user_or_404(user, contract_policy, queryset=reads.section_queryset(section),
                                         reference=reference)
    context = {"contract": contract, "section": section, "tabs": reads.tabs(contract, section),
               "not_yet": reads.not_yet(contract, section), **BUILDERS[section.key](request, contract)}
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        # the tab bar and the section, with the page title htmx puts on the window
        response = render(request, "contracts/contract_detail.html#sections", {**context, "fragment": True})
    else:
        can_edit = context["can_edit"] if "can_edit" in context else contract_policy.allows(user, "edit", contract)
        context.update({
            "can_edit": can_edit,
            "next_states": [(s, Contract.Status(s).label) for s in sorted(CONTRACT_TRANSITIONS[contract.status])],
        })
        response = render(request, "contracts/contract_detail.html", context)
    patch_vary_headers(response, ("HX-Request",))  # the same address answers a fragment or the whole page
    return response


# --- what each section shows --------------------------------------------------------------------------------------

def _allows(request, contract, *actions: str) -> dict:
    return {f"can_{action}": contract_policy.allows(request.user, action, contract) for action in actions}


def _overview(request, contract) -> dict:
    from contracts.alerts import alerts_for
    from contracts.policy.tables import contract_policy_notes

    return {"alerts": alerts_for([contract], on=timezone.localdate(), user=request.user)[contract.pk],
            "policy_notes": contract_policy_notes(contract)}  # issue 21: which policy versions apply


def _negotiation(request, contract) -> dict:
    from contracts import services

    rows = reads.negotiation_rows(contract)
    kickoff = rows["kickoff"]
    return {**rows, **_allows(request, contract, "edit", "negotiate", "position"),
            "hold_blockers": services.hold_blockers(kickoff) if kickoff and not kickoff.is_held else []}


def _handoff(request, contract) -> dict:
    from contracts.handoff import HANDOFF_PACK
    from contracts.selectors import pack_state
    from procurement.documents.selectors import panel_state

    # the document component's state, computed here once and shared with the pack's state (one content hash)
    panel = panel_state(HANDOFF_PACK, contract, user=request.user)
    return {**reads.handoff_rows(contract), "pack": pack_state(contract, panel=panel), "panel": panel,
            **_allows(request, contract, "negotiate", "decide"),
            "can_acknowledge": contract_policy.allows(request.user, "acknowledge_pack", contract)}


def _delivery(request, contract) -> dict:
    return {**reads.delivery_rows(contract, today=timezone.localdate()), **_allows(request, contract, "edit", "manage")}


def _money(request, contract) -> dict:
    from django.db.models import prefetch_related_objects

    from contracts import services
    from contracts.views.negotiation import accountable_label

    # the Accountable-seat rules read the RACI; load it once for all of them
    prefetch_related_objects([contract], "raci_activities__assignments")
    return {**reads.money_rows(contract, today=timezone.localdate()),
            **_allows(request, contract, "manage", "report", "approve_change", "approve_payment"),
            "usage": services.usage_spend(contract) if contract.payment_model == "usage" else None,
            "approver_seat": accountable_label(contract)}


def _performance(request, contract) -> dict:
    from contracts.models import CheckIn

    return {**reads.performance_rows(contract), "teams": CheckIn.Team.choices, **_allows(request, contract, "manage")}


def _incidents(request, contract) -> dict:
    return {**reads.incident_rows(contract, now=timezone.now()), **_allows(request, contract, "report")}


def _exit(request, contract) -> dict:
    from contracts import services

    closed = contract.status == Contract.Status.CLOSED
    return {**reads.exit_rows(contract), **_allows(request, contract, "manage"),
            "runbook": getattr(contract, "exit_runbook", None),
            "runbook_gaps": [] if closed else services.runbook_gaps(contract)}


BUILDERS = {"overview": _overview, "negotiation": _negotiation, "handoff": _handoff, "delivery": _delivery,
            "money": _money, "performance": _performance, "incidents": _incidents, "exit": _exit}
