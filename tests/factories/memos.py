"""Decision-memo helpers: a procedure built through the services up to the shortlist, the approval policy
(re-seeded when a transactional test flushed it) and committees with members."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards import services
from awards.models import AwardProcedure, Bid, Committee, ConflictDeclaration, Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.scorecards import complete_scorecard
from tests.factories.timeline import age_timeline
from tests.factories.vendors import VendorFactory
from vendors.models import Tier

PM, RC, EC = "procurement-manager", "risk-committee", "executive-committee"


def seed_policy() -> None:
    """The seeded approval matrix (again, if a transactional test flushed the tables)."""
    migration = import_module("awards.migrations.0005_seed_approval_policy")
    migration.seed(django_apps, None)


def committee(key: str, *members, quorum: int | None = None) -> Committee:
    seed_policy()
    found = Committee.objects.get(key=key)
    if quorum is not None and found.quorum != quorum:
        found.quorum = quorum
        found._change_reason = "Test quorum"
        found.save()
    if members:
        found.members.add(*members)
    return found


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + name.encode() + b"\n%%EOF", content_type="application/pdf")


@dataclass
class Shortlist:
    procedure: AwardProcedure
    lead: object
    business_owner: object
    bids: list[Bid]  # in ranking order: bids[0] ranks first
    evaluators: list = field(default_factory=list)
    recused: object = None  # an evaluator recused from bids[0], when asked for


def complete_due_diligence(bid: Bid, lead) -> None:
    """Give the bid's vendor accepted, independently sourced evidence of every kind its current tier asks for,
    and the bid the independent reference checks the tier asks for (issue 17: incomplete due diligence blocks
    a memo unless it is waived)."""
    from tests.factories.vendors import EvidenceFactory
    from vendors.selectors import tier_obligations

    obligations = tier_obligations(bid.vendor.tier)
    for kind in obligations.required_evidence_kinds:
        EvidenceFactory(vendor=bid.vendor, kind=kind, title=f"{kind} of {bid.vendor}")
    for n in range(max(obligations.references_required - bid.reference_checks.count(), 0)):
        services.reference_check_add(actor=lead, bid=bid, source="independent", organisation=f"Customer {n + 1}",
                                     checked_on=timezone.localdate(), findings="Reliable service.", rating=4)


def shortlisted_procedure(*, lead=None, business_owner=None, value: Decimal = Decimal("300000"),
                          tier: str = Tier.LOW, vendor_names=("Alpha Models", "Beta Speech", "Gamma Cloud"),
                          recused_evaluator=None, due_diligence: bool = True) -> Shortlist:
    """A procedure at the shortlist: three shortlisted bids scored by two evaluators (first name ranks first,
    then second, then third), knockouts passed, everything through the services; each vendor's due diligence
    complete for its tier unless `due_diligence=False`."""
    lead = lead or UserFactory(roles=[Role.PROCUREMENT_LEAD])
    business_owner = business_owner or UserFactory(roles=[Role.BUSINESS_OWNER])
    procedure = services.procedure_create(
        actor=lead, submission="recorded", title="Support assistant", need_statement="Deflect routine tickets.",
        business_owner=business_owner, category="ai_saas", estimated_value=value, currency="EUR", term_months=24)
    today = timezone.localdate()
    services.procedure_set_timeline(actor=lead, procedure=procedure, rfp_issue_date=today,
                                    question_deadline=today + timedelta(days=10),
                                    proposals_due=today + timedelta(days=20), demo_start=today + timedelta(days=25),
                                    demo_end=today + timedelta(days=30), target_award_date=today + timedelta(days=45))
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Need agreed")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Cites its sources",
                                           priority=Requirement.Priority.MUST)
    services.requirement_agree(actor=business_owner, requirement=requirement)
    bids = []
    for name in vendor_names:
        vendor = VendorFactory(tier=tier, legal_name=f"{name} Ltd", trading_name=name)
        bids.append(services.bid_invite(actor=lead, procedure=procedure, vendor=vendor))
    procedure.refresh_from_db()
    complete_scorecard(procedure)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="RFP sent")
    for index, bid in enumerate(bids):
        services.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=_pdf(f"p{bid.pk}.pdf"))
        bids[index] = services.bid_record_submission(actor=lead, bid=bid)
    age_timeline(actor=lead, procedure=procedure, rfp_issue_date=today - timedelta(days=30),
                 question_deadline=today - timedelta(days=20),
                 proposals_due=today - timedelta(days=1), demo_start=today + timedelta(days=5),
                 demo_end=today + timedelta(days=9), target_award_date=today + timedelta(days=30))
    evaluators = [UserFactory(roles=[Role.EVALUATOR]), UserFactory(roles=[Role.EVALUATOR])]
    if recused_evaluator is not None:
        evaluators.append(recused_evaluator)
    for person in evaluators:
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=person)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION, reason="Proposals closed")
    for person in evaluators:
        for bid in bids:
            conflict = person is recused_evaluator and bid == bids[0]
            services.conflict_declare(actor=person, bid=bid, has_conflict=conflict,
                                      description="Former employer" if conflict else "")
    if recused_evaluator is not None:
        declaration = ConflictDeclaration.objects.get(assignment__evaluator=recused_evaluator, bid=bids[0])
        services.conflict_review(actor=lead, declaration=declaration, recuse=True, reason="Close tie to the vendor")
    criteria = list(Criterion.objects.filter(scorecard__procedure=procedure).order_by("group__position", "position"))
    values = {bids[0].pk: Decimal("4.5"), bids[1].pk: Decimal("3.5"), bids[2].pk: Decimal("2.5")}
    for person in evaluators:
        for bid in bids:
            if person is recused_evaluator and bid == bids[0]:
                continue
            for criterion in criteria:
                services.score_save(actor=person, bid=bid, criterion=criterion, value=values[bid.pk],
                                    rationale="Seen in the proposal")
        services.scoresheet_submit(actor=person, procedure=procedure)
    knockout = procedure.scorecard.knockouts.get()
    for bid in bids:
        services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=True, reason="Contract checked")
        services.bid_decide(actor=lead, bid=bid, status=Bid.Status.SHORTLISTED, reason="Strong enough")
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.SHORTLIST,
                                           reason="Scoring complete")
    for bid in bids:
        bid.refresh_from_db()
        if due_diligence:
            complete_due_diligence(bid, lead)
    return Shortlist(procedure=procedure, lead=lead, business_owner=business_owner, bids=bids,
                     evaluators=evaluators, recused=recused_evaluator)


def written_memo(shortlist: Shortlist, **changes):
    """A complete draft memo recommending the first-ranked bid."""
    memo = services.memo_create(actor=shortlist.lead, procedure=shortlist.procedure,
                                recommended_bid=shortlist.bids[0])
    reasons = {bid.pk: f"{bid.vendor} scored lower on answer accuracy." for bid in shortlist.bids[1:]}
    fields = {
        "recommendation": "Best accuracy in the scored evaluation, **cleanest** data terms.",
        "do_nothing": "Ticket volumes keep growing; doing nothing costs two hires a year.",
        "build_in_house": "We lack the team to run a model in production.",
        "risk_notes": "Risks are tracked in the vendor register.",
        "negotiation_objectives": "Fixed unit price for two years.",
        "key_asks": "No training on our data; EU hosting.",
        "key_clauses": "Data rights, IP indemnity, model-change notice, exit assistance.",
        "walk_away": "Any right to train on our data.",
        "batna_notes": "The runner-up accepted our data terms already.",
        **changes,
    }
    return services.memo_update(actor=shortlist.lead, memo=memo, alternatives=reasons, **fields)


def memo_for_award(*, status: str = "approved", tier: str = Tier.HIGH, author=None, contract_value=123456,
                   bid=None, **bid_kwargs):
    """A decision memo built as rows (fast): its recommended bid and procedure are consistent with its status —
    approved: procedure awarded and the bid awarded; otherwise the procedure at the shortlist and the bid
    shortlisted. The approval route itself is covered by the awards tests."""
    from awards.models import DecisionMemo
    from tests.factories.awards import BidFactory

    approved = status == DecisionMemo.Status.APPROVED
    bid = bid or BidFactory(vendor__tier=tier, **bid_kwargs)
    now = timezone.now()
    bid.status = Bid.Status.AWARDED if approved else Bid.Status.SHORTLISTED
    bid.submitted_at = bid.submitted_at or now
    bid._change_reason = "test: awarded by the memo" if approved else "test: shortlisted"
    bid.save()
    procedure = bid.procedure
    procedure.stage = Stage.AWARDED if approved else Stage.SHORTLIST
    procedure._change_reason = "test: stage of the memo"
    procedure.save()
    author = author or procedure.lead
    return DecisionMemo.objects.create(
        procedure=procedure, author=author, title=f"Award to {bid.vendor}", status=status,
        decision_date=timezone.localdate(), contract_value=contract_value, recommended_bid=bid,
        walk_away="No training on our data.", negotiation_objectives="Fixed unit price for two years.",
        version=0 if status == DecisionMemo.Status.DRAFT else 1,
        content_hash="" if status == DecisionMemo.Status.DRAFT else "ab" * 32,
        submitted_at=None if status == DecisionMemo.Status.DRAFT else now, approved_at=now if approved else None)
