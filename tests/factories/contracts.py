"""Contracts are opened through the service from an approved decision memo (it seeds clauses, RACI and the
checklist); these helpers set one up."""

from __future__ import annotations

import datetime

from django.utils import timezone

from awards.models import Bid
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.awards import BidFactory
from tests.factories.memos import memo_for_award
from vendors.models import Tier


def submitted_bid(*, tier: str = Tier.HIGH, **kwargs) -> Bid:
    bid = BidFactory(vendor__tier=tier, **kwargs)
    bid.status = Bid.Status.SUBMITTED
    bid.submitted_at = timezone.now()
    bid._change_reason = "test: submitted"
    bid.save()
    return bid


def approved_memo(*, tier: str = Tier.HIGH, author=None, **kwargs):
    """An approved decision memo (procedure awarded, recommended bid awarded), built as rows."""
    return memo_for_award(status="approved", tier=tier, author=author, **kwargs)


def open_contract(*, lead=None, manager=None, tier: str = Tier.HIGH, memo=None, **kwargs):
    from contracts.services import contract_open

    lead = lead or UserFactory(roles=[Role.PROCUREMENT_LEAD])
    memo = memo or approved_memo(tier=tier)
    today = timezone.localdate()
    return contract_open(actor=lead, memo=memo, post_award_manager=manager,
                         start_date=kwargs.pop("start_date", today),
                         end_date=kwargs.pop("end_date", today + datetime.timedelta(days=730)),
                         renewal=kwargs.pop("renewal", "Renews for 12 months unless notice is given"), **kwargs)


def held_kickoff(contract, *, lead, manager):
    from contracts.services import kickoff_attendee_add, kickoff_hold, kickoff_update

    kickoff_update(actor=lead, kickoff=contract.kickoff, meeting_date=timezone.localdate(),
                   goals="Lock in model pinning.")
    kickoff_attendee_add(actor=lead, kickoff=contract.kickoff, user=manager, role="post_award_manager")
    kickoff_attendee_add(actor=lead, kickoff=contract.kickoff, user=lead, role="negotiation_lead")
    return kickoff_hold(actor=lead, kickoff=contract.kickoff, minutes="We agreed the plan.")


def write_exit_runbook(contract, *, actor=None, owner=None):
    """Write a complete exit runbook through the service (activation needs one); every step owned by `owner`
    (default: the post-award manager, else the negotiation lead)."""
    from contracts.services import exit_runbook_write
    from contracts.services.exit import EXIT_STEPS

    owner = owner or contract.post_award_manager or contract.negotiation_lead
    return exit_runbook_write(
        actor=actor or contract.negotiation_lead, contract=contract,
        data_return_method="Full export in JSON and CSV over SFTP within 30 days; our data team checks counts.",
        deletion_evidence="Signed deletion certificate naming production, backups and subprocessors.",
        model_portability="Prompts, evaluation sets and adapter weights handed over in open formats.",
        data_portability="Embeddings as Parquet with the model name; logs as JSON lines.",
        step_owners={key: owner for key, *_ in EXIT_STEPS})


def make_active(contract, *, reason: str = "test: signed and active"):
    """Put a contract in ACTIVE as rows, with the exit runbook written first as activation requires (the signing
    and activation rules are covered by their own tests)."""
    from contracts.models import ExitRunbook

    if not ExitRunbook.objects.filter(contract=contract).exists():
        write_exit_runbook(contract)
    contract.status = contract.Status.ACTIVE
    contract._change_reason = reason
    contract.save()
    return contract


def active_contract(*, lead=None, manager=None, owner=None, **kwargs):
    """An active contract with a post-award manager and a business owner (the RACI's Accountable for change
    orders in the seeded matrix)."""
    owner = owner or UserFactory(roles=[Role.BUSINESS_OWNER])
    return make_active(open_contract(lead=lead, manager=manager, business_owner=owner, **kwargs))


def milestone(contract, *, actor, title: str = "Pilot in two languages", days: int = 30, **kwargs):
    from contracts.services import milestone_add, milestone_plan

    m = milestone_add(actor=actor, contract=contract, title=title,
                      due_date=timezone.localdate() + datetime.timedelta(days=days),
                      payment_amount=kwargs.pop("payment_amount", None))
    if kwargs:
        m = milestone_plan(actor=actor, milestone=m, **kwargs)
    return m


def settle_clauses(contract, *, lead) -> None:
    """The negotiation side answers any open feedback and agrees every clause not yet agreed or conceded, as the
    handoff pack is acknowledged only once nothing is left to negotiate (issue 17, finding 12)."""
    from contracts.models import ClausePosition
    from contracts.services import clause_set_status, feedback_respond, unresolved_feedback

    settled = (ClausePosition.Status.AGREED, ClausePosition.Status.CONCEDED)
    for position in contract.clauses.order_by("order", "pk"):
        if position.status in settled:
            continue
        for feedback in unresolved_feedback(position):
            feedback_respond(actor=lead, feedback=feedback, response="Taken into the agreed wording.")
        clause_set_status(actor=lead, position=position, status=ClausePosition.Status.AGREED,
                          agreed_summary=f"Agreed wording for {position.title}")
