"""One world for the bad-input corpus, built once per module through the services (so rules and history are real).

It holds something for every form to act on: a vendor with evidence and a risk; a procedure in draft with an
unlocked scorecard; one with the RFP issued (bids invited, a question logged); one in evaluation (an evaluator who
declared and can score); one at the shortlist whose decision memo is in approval; an open contract with its
kickoff, clauses, feedback, an issue and a checklist. The bad-input tests run inside it and roll back after each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards import services as awards
from awards.models import AwardProcedure, Bid, Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.contracts import open_contract
from tests.factories.memos import (
    EC,
    PM,
    RC,
    Shortlist,
    committee,
    memo_for_award,
    shortlisted_procedure,
    written_memo,
)
from tests.factories.scorecards import complete_scorecard
from tests.factories.timeline import age_timeline
from tests.factories.vendors import EvidenceFactory, RiskFactory, VendorFactory
from vendors.models import Tier


def pdf(name: str = "proposal.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + name.encode() + b"\n%%EOF", content_type="application/pdf")


@dataclass
class World:
    lead: object
    owner: object
    evaluator: object
    approver: object
    manager: object
    vendor: object
    other_vendor: object
    evidence: object
    risk: object
    draft: AwardProcedure
    requirement: Requirement
    rfp: AwardProcedure
    rfp_bid: Bid
    question: object
    pov_criterion: object
    evaluation: AwardProcedure
    eval_bid: Bid
    undeclared_bid: Bid
    eval_criterion: Criterion
    shortlist: Shortlist
    memo: object
    contract: object
    clause: object
    feedback: object
    issue: object
    checklist_item: object
    spare_memo: object
    portal: AwardProcedure | None = None  # issue 20: a portal procedure with the RFP out and a volume assumption
    portal_bid: Bid | None = None
    bidder: object = None  # the portal bid's vendor contact, signed in to the bidders' portal


def _timeline(days_back: int = 0) -> dict:
    today = timezone.localdate()
    return {"rfp_issue_date": today - timedelta(days=days_back), "question_deadline": today + timedelta(days=10),
            "proposals_due": today + timedelta(days=20), "demo_start": today + timedelta(days=25),
            "demo_end": today + timedelta(days=30), "target_award_date": today + timedelta(days=45)}


def _procedure(lead, owner, title: str) -> AwardProcedure:
    return awards.procedure_create(actor=lead, title=title, need_statement="A need.", business_owner=owner,
                                   category="ai_saas", estimated_value=Decimal("300000"), currency="EUR",
                                   term_months=24, submission="recorded")


def _to_rfp(procedure, lead, owner, vendors) -> list[Bid]:
    awards.procedure_set_timeline(actor=lead, procedure=procedure, **_timeline())
    awards.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Need agreed")
    requirement = awards.requirement_add(actor=lead, procedure=procedure, title="Cites its sources",
                                         priority=Requirement.Priority.MUST)
    awards.requirement_agree(actor=owner, requirement=requirement)
    bids = [awards.bid_invite(actor=lead, procedure=procedure, vendor=v) for v in vendors]
    procedure.refresh_from_db()
    complete_scorecard(procedure)
    awards.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="RFP sent")
    return bids


def build_world() -> World:
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD], username="corpus-lead")
    owner = UserFactory(roles=[Role.BUSINESS_OWNER], username="corpus-owner")
    evaluator = UserFactory(roles=[Role.EVALUATOR], username="corpus-evaluator")
    approver = UserFactory(roles=[Role.COMMITTEE_APPROVER], username="corpus-approver")
    manager = UserFactory(roles=[Role.POST_AWARD_MANAGER], username="corpus-manager")
    vendor = VendorFactory(owner=lead, legal_name="Corpus Models Ltd", tier=Tier.MEDIUM)
    other_vendor = VendorFactory(legal_name="Someone Else's Vendor Ltd")
    evidence = EvidenceFactory(vendor=vendor)
    risk = RiskFactory(vendor=vendor, owner=lead)

    # a procedure in draft with an unlocked scorecard
    draft = _procedure(lead, owner, "Draft procedure")
    requirement = awards.requirement_add(actor=lead, procedure=draft, title="Answers in Irish",
                                         priority=Requirement.Priority.SHOULD)
    complete_scorecard(draft)

    # the RFP issued: invited bids, a logged question, a POV criterion on the high-tier bid
    rfp = _procedure(lead, owner, "Procedure with the RFP out")
    rfp_bids = _to_rfp(rfp, lead, owner, [VendorFactory(tier=Tier.HIGH, owner=lead), vendor])
    question = awards.question_record(actor=lead, procedure=rfp, bid=rfp_bids[0], text="Is EU hosting offered?")
    pov_criterion = awards.pov_criterion_add(actor=lead, bid=rfp_bids[0], metric="Answer accuracy",
                                             comparator="gte", threshold=Decimal("85"), unit="%",
                                             test_set="Our 200 tickets")

    # in evaluation: proposals in, an evaluator who declared no conflict and has not submitted yet
    evaluation = _procedure(lead, owner, "Procedure in evaluation")
    eval_bids = _to_rfp(evaluation, lead, owner, [VendorFactory(tier=Tier.LOW) for _ in range(3)])
    for bid in eval_bids:
        awards.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=pdf(f"p{bid.pk}.pdf"))
        awards.bid_record_submission(actor=lead, bid=bid)
    today = timezone.localdate()
    age_timeline(actor=lead, procedure=evaluation, rfp_issue_date=today - timedelta(days=30),
                 question_deadline=today - timedelta(days=20),
                 proposals_due=today - timedelta(days=1), demo_start=today + timedelta(days=5),
                 demo_end=today + timedelta(days=9), target_award_date=today + timedelta(days=30))
    awards.evaluator_assign(actor=lead, procedure=evaluation, evaluator=evaluator)
    awards.procedure_advance(actor=lead, procedure=evaluation, target=Stage.EVALUATION, reason="Proposals closed")
    for bid in eval_bids[:2]:  # the third is left for the declaration form
        awards.conflict_declare(actor=evaluator, bid=bid, has_conflict=False)
    eval_criterion = Criterion.objects.filter(scorecard__procedure=evaluation).order_by("pk").first()

    # at the shortlist, the decision memo in approval with one committee member able to sign
    committee(PM, approver, quorum=1)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, business_owner=owner, value=Decimal("50000"))
    memo = awards.memo_submit(actor=lead, memo=written_memo(shortlist))

    # an open contract (from an approved memo) with its kickoff plan, clauses, feedback, an issue, a checklist
    from contracts import services as contracts

    contract = open_contract(lead=lead, manager=manager)
    clause = contract.clauses.order_by("pk").first()
    feedback = contracts.feedback_add(actor=manager, position=clause, topic=_first_topic(), body="Check the cap.")
    issue = contracts.issue_create(actor=lead, contract=contract, title="Liability cap", priority="high")
    checklist_item = contract.checklist.order_by("pk").first()
    spare_memo = memo_for_award(tier=Tier.LOW)  # approved, no contract yet: for the contract-opening form

    # the bidders' portal: a portal procedure with its RFP out (priced by a volume assumption), one bidder
    from awards.services.price_assumptions import volume_assumption_add
    from tests.factories.portal import bidder_for
    from tests.security.portal_world import portal_rfp

    portal, portal_bids = portal_rfp(lead=lead, owner=owner, title="Procedure in the portal",
                                     vendors=[VendorFactory(tier=Tier.LOW, owner=lead, legal_name=name)
                                              for name in ("Portal Bidder Ltd", "Another Portal Bidder Ltd")])
    volume_assumption_add(actor=lead, procedure=portal, label="Tokens", unit="thousand tokens", monthly_volume=1000,
                          key="tokens")
    bidder = bidder_for(portal_bids[0], username="corpus-bidder")
    return World(lead=lead, owner=owner, evaluator=evaluator, approver=approver, manager=manager, vendor=vendor,
                 other_vendor=other_vendor, evidence=evidence, risk=risk, draft=draft, requirement=requirement,
                 rfp=rfp, rfp_bid=rfp_bids[0], question=question, pov_criterion=pov_criterion,
                 evaluation=evaluation, eval_bid=eval_bids[0], undeclared_bid=eval_bids[2],
                 eval_criterion=eval_criterion, shortlist=shortlist,
                 memo=memo, contract=contract, clause=clause, feedback=feedback, issue=issue,
                 checklist_item=checklist_item, spare_memo=spare_memo, portal=portal, portal_bid=portal_bids[0],
                 bidder=bidder)


def _first_topic() -> str:
    from contracts.models import ClauseFeedback

    return ClauseFeedback.Topic.values[0]
