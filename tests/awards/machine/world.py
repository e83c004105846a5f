"""The base world of one state-machine example, built through the services (so every row has its history).

People in every role (`PEOPLE`): the procedure's lead and another lead, the business owner, two assigned
evaluators and a third evaluator who also sits on a committee, committee approvers on overlapping committees
(procurement manager, risk committee, executive committee), an auditor, a "vendor-risk" approver who sits on no
committee (accepts residual risks, records waivers), an unrelated user and an inactive approver. Every one has the
known test password, so sign-offs can be attempted by anybody.

The procedure is built to a drawn depth (`DEPTHS`): in evaluation with nothing declared; scored (every
declaration and score sheet in); at the shortlist (knockouts passed, every bid shortlisted); or with a draft memo
recommending the bid ranked first. Scores, vendor tiers, residual-risk ratings, whose due diligence is complete
and the contract value are drawn by Hypothesis. Dates are relative to today; the passing of time after the RFP
went out is simulated as the other fixtures do (tests.factories.timeline.age_timeline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import strategies as st

from awards import services
from awards.models import Bid, Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, Knockout
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.memos import EC, PM, RC, committee, complete_due_diligence
from tests.factories.timeline import age_timeline
from tests.factories.vendors import VendorFactory
from vendors.models import Risk, Tier

DEPTHS = ("evaluation", "scored", "shortlist", "memo")
SCORES = [Decimal(n) / 2 for n in range(0, 11)]  # 0, 0.5, ... 5
N_BIDS, N_EVALUATORS, N_CRITERIA = 3, 2, 3
# residual (likelihood, impact): low, medium, high, critical ratings
RISK_RATINGS = ((1, 2), (2, 3), (3, 4), (4, 5))
POV_FREE = {Tier.HIGH: Tier.MEDIUM, Tier.CRITICAL: Tier.LOW}
CONTRACT_VALUES = (Decimal("50000"), Decimal("300000"), Decimal("2000000"))

# name -> (roles, committees, active)
PEOPLE = {
    "lead": ((Role.PROCUREMENT_LEAD,), (), True),
    "other_lead": ((Role.PROCUREMENT_LEAD,), (), True),
    "owner": ((Role.BUSINESS_OWNER,), (), True),
    "eval1": ((Role.EVALUATOR,), (), True),
    "eval2": ((Role.EVALUATOR,), (), True),
    "eval_approver": ((Role.EVALUATOR, Role.COMMITTEE_APPROVER), (PM,), True),
    "pm_only": ((Role.COMMITTEE_APPROVER,), (PM,), True),
    "pm_and_rc": ((Role.COMMITTEE_APPROVER,), (PM, RC), True),
    "rc_only": ((Role.COMMITTEE_APPROVER,), (RC,), True),
    "rc_and_ec": ((Role.COMMITTEE_APPROVER,), (RC, EC), True),
    "ec_only": ((Role.COMMITTEE_APPROVER,), (EC,), True),
    "auditor": ((Role.AUDITOR,), (), True),
    "vendor_risk": ((Role.COMMITTEE_APPROVER,), (), True),
    "unrelated": ((), (), True),
    "inactive": ((Role.COMMITTEE_APPROVER, Role.PROCUREMENT_LEAD), (PM, RC), False),
}
QUORUMS = {PM: 1, RC: 2, EC: 1}

plans = st.fixed_dictionaries({
    "depth": st.sampled_from(DEPTHS),
    "tiers": st.lists(st.sampled_from(Tier.values), min_size=N_BIDS, max_size=N_BIDS),
    "risks": st.lists(st.sampled_from(range(len(RISK_RATINGS))), min_size=N_BIDS, max_size=N_BIDS),
    # per evaluator, bid and criterion
    "scores": st.lists(st.sampled_from(SCORES), min_size=N_EVALUATORS * N_BIDS * N_CRITERIA,
                       max_size=N_EVALUATORS * N_BIDS * N_CRITERIA),
    "value": st.sampled_from(CONTRACT_VALUES),
    "due_diligence": st.lists(st.booleans(), min_size=N_BIDS, max_size=N_BIDS),  # complete for that vendor?
})


@dataclass
class World:
    people: dict
    procedure: object
    bids: list
    criteria: list
    knockout: object
    risks: dict = field(default_factory=dict)  # vendor id -> [Risk]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + name.encode() + b"\n%%EOF", content_type="application/pdf")


def _references(bid, lead) -> None:
    from vendors.selectors import tier_obligations

    for n in range(tier_obligations(bid.vendor.tier).references_required):
        services.reference_check_add(actor=lead, bid=bid, source="independent", organisation=f"Customer {n + 1}",
                                     checked_on=timezone.localdate(), findings="Reliable service.", rating=4)


def _people(seq: int) -> dict:
    people = {}
    for name, (roles, committees, active) in PEOPLE.items():
        user = UserFactory(roles=list(roles), username=f"sm{seq}-{name}", first_name=name.replace("_", " ").title(),
                           last_name=f"S{seq}")
        for key in committees:
            committee(key, user)
        if not active:
            user.is_active = False
            user._change_reason = "Left the organisation"
            user.save()
        people[name] = user
    for key, quorum in QUORUMS.items():
        committee(key, quorum=quorum)
    return people


def build(plan: dict, seq: int) -> World:
    people = _people(seq)
    lead, owner = people["lead"], people["owner"]
    evaluators = [people["eval1"], people["eval2"]]
    today = timezone.localdate()
    procedure = services.procedure_create(
        actor=lead, title=f"Machine procedure {seq}", need_statement="Answer routine questions.",
        business_owner=owner, category="ai_saas", estimated_value=plan["value"], currency="EUR", term_months=24)
    services.procedure_set_timeline(actor=lead, procedure=procedure, rfp_issue_date=today,
                                    question_deadline=today + timedelta(days=20),
                                    proposals_due=today + timedelta(days=35), demo_start=today + timedelta(days=40),
                                    demo_end=today + timedelta(days=45), target_award_date=today + timedelta(days=60))
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Need agreed")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Cites its sources",
                                           priority=Requirement.Priority.MUST)
    services.requirement_agree(actor=owner, requirement=requirement)
    bids, risks = [], {}
    from vendors.services.risks import risk_create

    depth = DEPTHS.index(plan["depth"])
    for n, tier in enumerate(plan["tiers"]):
        if depth >= 2:  # high and critical tiers need a locked POV protocol before the shortlist: not built here
            tier = POV_FREE.get(tier, tier)
        vendor = VendorFactory(tier=tier, legal_name=f"M{seq} Vendor {'ABC'[n]} Ltd",
                               trading_name=f"M{seq} Vendor {'ABC'[n]}")
        bids.append(services.bid_invite(actor=lead, procedure=procedure, vendor=vendor))
        likelihood, impact = RISK_RATINGS[plan["risks"][n]]
        risks[vendor.pk] = [risk_create(actor=lead, vendor=vendor, title=f"Model change at vendor {'ABC'[n]}",
                                        category=Risk.Category.MODEL_CHANGE, inherent_likelihood=5,
                                        inherent_impact=5, residual_likelihood=likelihood,
                                        residual_impact=impact, owner=owner,
                                        review_date=today + timedelta(days=90))]
    procedure.refresh_from_db()
    scorecard = services.scorecard_create(actor=lead, procedure=procedure)
    quality = services.group_add(actor=lead, scorecard=scorecard, name="Quality", weight=60)
    cost = services.group_add(actor=lead, scorecard=scorecard, name="Cost", weight=40)
    first = services.criterion_add(actor=lead, group=quality, name="Answer accuracy", share=2)
    services.criterion_add(actor=lead, group=quality, name="Integration", share=1)
    services.criterion_add(actor=lead, group=cost, name="Total cost", share=1)
    services.criterion_update(actor=lead, criterion=first, name=first.name, description="", guidance="",
                              share=first.share, requirements=[requirement], reason="Cover the must")
    knockout = services.knockout_add(actor=lead, scorecard=scorecard, name="No training on our data",
                                     kind=Knockout.Kind.MANUAL)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="RFP sent")
    for n, bid in enumerate(bids):
        services.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=_pdf(f"m{seq}-{n}.pdf"))
        bids[n] = services.bid_record_submission(actor=lead, bid=bid)
        if plan["due_diligence"][n]:
            complete_due_diligence(bids[n], lead)
        elif depth >= 2:  # the shortlist needs the tier's reference checks; the evidence stays incomplete
            _references(bids[n], lead)
    age_timeline(procedure, actor=lead, rfp_issue_date=today - timedelta(days=40),
                 question_deadline=today - timedelta(days=20), proposals_due=today - timedelta(days=1),
                 demo_start=today + timedelta(days=5), demo_end=today + timedelta(days=9),
                 target_award_date=today + timedelta(days=30))
    for person in evaluators:
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=person)
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION,
                                           reason="Proposals closed")
    criteria = list(Criterion.objects.filter(scorecard=scorecard).order_by("group__position", "position", "pk"))
    if depth >= 1:
        values = iter(plan["scores"])
        for person in evaluators:
            for bid in bids:
                services.conflict_declare(actor=person, bid=bid, has_conflict=False)
                for criterion in criteria:
                    services.score_save(actor=person, bid=bid, criterion=criterion, value=next(values),
                                        rationale="Seen in the proposal")
            services.scoresheet_submit(actor=person, procedure=procedure)
    if depth >= 2:
        from awards.results import procedure_results

        for bid in bids:
            services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=True, reason="Contract checked")
            services.bid_decide(actor=lead, bid=bid, status=Bid.Status.SHORTLISTED, reason="Strong enough")
        data = procedure_results(procedure)
        criterion_by_key = {c.key: c for c in criteria}
        for spread in data.result.flags:
            services.consensus_record(actor=lead, bid=next(b for b in bids if str(b.pk) == spread.bid),
                                      criterion=criterion_by_key[spread.criterion],
                                      note="The panel discussed the gap; the mean stands")
        procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.SHORTLIST,
                                               reason="Scoring complete")
    for n, bid in enumerate(bids):
        bids[n] = Bid.objects.get(pk=bid.pk)
    if depth >= 3:
        from awards.results import procedure_results

        ranking = procedure_results(procedure).result.ranking
        top = next(b for b in bids if str(b.pk) == ranking[0].key)
        memo = services.memo_create(actor=lead, procedure=procedure, recommended_bid=top,
                                    contract_value=plan["value"])
        services.memo_update(
            actor=lead, memo=memo, alternatives={b.pk: f"{b.vendor} scored lower." for b in bids if b != top},
            recommendation="Best scored bid.", do_nothing="Ticket volumes keep growing.",
            build_in_house="We lack the team.", risk_notes="Tracked in the vendor register.",
            negotiation_objectives="Fixed unit price.", key_asks="No training on our data.",
            key_clauses="Data rights, exit assistance.", walk_away="Any right to train on our data.",
            batna_notes="The runner-up accepted our terms.")
    procedure.refresh_from_db()
    return World(people=people, procedure=procedure, bids=bids, criteria=criteria, knockout=knockout, risks=risks)
