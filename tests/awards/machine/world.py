"""The base world of one state-machine example, built through the services (so every row has its history).

People in every role (`PEOPLE`): the procedure's lead and another lead, the business owner, two assigned
evaluators and a third evaluator who also sits on a committee, committee approvers on overlapping committees
(procurement manager, risk committee, executive committee), an auditor, a "vendor-risk" approver who sits on no
committee (accepts residual risks, records waivers; like the risk-committee member "rc_only", granted a view of
the procedure's vendors), an unrelated user and an inactive approver. Every one has the known test password, so
sign-offs can be attempted by anybody.

The procedure is built to a drawn depth (`DEPTHS`): in evaluation with nothing declared; scored (every
declaration and score sheet in); at the shortlist (knockouts passed, every bid shortlisted); with a draft memo
recommending the bid ranked first; with that memo submitted (in approval, its route open); or submitted with
sign-offs already recorded, the route one or two approvals short of quorum. Scores, vendor tiers, residual-risk
ratings, whose due diligence is complete and the contract value are drawn by Hypothesis.

From the draft memo on, the approval gate's questions are drawn too (`gaps`): whether the recommended vendor's
due diligence is complete, whether its residual risk is on the memo and accepted, and whether a due-diligence or
a residual-risk waiver is recorded. A submitted memo must pass submission, so a gap drawn without its waiver is
opened after submission, through the services (an evidence file of the winner rejected at review; the risk's
acceptance withdrawn, or voided by a new rating): the final sign-off then has to be refused by the gate until a
waiver is recorded or the gap is closed again. Dates are relative to today; the passing of time after the RFP
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

DEPTHS = ("evaluation", "scored", "shortlist", "memo", "submitted", "signed")
# The approval states are where the approval invariants bite: drawn more often than the early depths, and first
# (Hypothesis draws the first choice more often than the others, and shrinks towards it).
DRAWN_DEPTHS = ("signed", "evaluation", "submitted", "scored", "signed", "shortlist", "submitted", "memo", "signed")
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
RISK_ACCEPTORS = ("vendor_risk", "rc_only")  # approvers granted a view of every vendor of the procedure

plans = st.fixed_dictionaries({
    "depth": st.sampled_from(DRAWN_DEPTHS),
    "tiers": st.lists(st.sampled_from(Tier.values), min_size=N_BIDS, max_size=N_BIDS),
    "risks": st.lists(st.sampled_from(range(len(RISK_RATINGS))), min_size=N_BIDS, max_size=N_BIDS),
    # per evaluator, bid and criterion
    "scores": st.lists(st.sampled_from(SCORES), min_size=N_EVALUATORS * N_BIDS * N_CRITERIA,
                       max_size=N_EVALUATORS * N_BIDS * N_CRITERIA),
    "value": st.sampled_from(CONTRACT_VALUES),
    "due_diligence": st.lists(st.booleans(), min_size=N_BIDS, max_size=N_BIDS),  # complete for that vendor?
    # from the memo on: the approval gate's questions (see the module's docstring)
    "gaps": st.fixed_dictionaries({
        "winner_dd": st.booleans(),        # the recommended vendor's due diligence complete at the end of the build
        "risk_on_memo": st.booleans(),     # its residual risk listed on the memo
        "risk_accepted": st.booleans(),    # ... and accepted at the end of the build
        "dd_waiver": st.booleans(),        # a due-diligence waiver recorded
        "risk_waiver": st.booleans(),      # a residual-risk waiver naming the risk recorded
        "short": st.sampled_from([1, 1, 2]),  # "signed": approvals still missing on the route
    }),
})
WAIVER_REASON = "The board accepted the gap for this award given the vendor's track record with us."


@dataclass
class World:
    people: dict
    procedure: object
    bids: list
    criteria: list
    knockout: object
    risks: dict = field(default_factory=dict)  # vendor id -> [Risk]
    gaps: dict = field(default_factory=dict)  # what the build left open for the approval gate (for the report)


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
        actor=lead, submission="recorded", title=f"Machine procedure {seq}", need_statement="Answer routine questions.",
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
    from vendors.services.registry import vendor_grant_view
    from vendors.services.risks import risk_create

    depth = DEPTHS.index(plan["depth"])
    for n, tier in enumerate(plan["tiers"]):
        if depth >= 2:  # high and critical tiers need a locked POV protocol before the shortlist: not built here
            tier = POV_FREE.get(tier, tier)
        vendor = VendorFactory(tier=tier, legal_name=f"M{seq} Vendor {'ABC'[n]} Ltd",
                               trading_name=f"M{seq} Vendor {'ABC'[n]}")
        bids.append(services.bid_invite(actor=lead, procedure=procedure, vendor=vendor))
        for name in RISK_ACCEPTORS:  # they see the vendor, so they can accept its medium and high residual risks
            vendor_grant_view(actor=lead, vendor=vendor, user=people[name], reason="Accepts this vendor's risks")
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
        if plan["due_diligence"][n] and depth < 3:  # from the memo on: decided once the winner is known
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
    gaps = {}
    if depth >= 3:
        from awards.results import procedure_results

        ranking = procedure_results(procedure).result.ranking
        top = next(b for b in bids if str(b.pk) == ranking[0].key)
        for n, bid in enumerate(bids):
            if bid != top and plan["due_diligence"][n]:
                complete_due_diligence(bid, lead)
        gaps = _gate_questions(plan["gaps"], people, procedure, top, risks[top.vendor_id][0],
                               submitted=depth >= 4)
        memo = services.memo_create(actor=lead, procedure=procedure, recommended_bid=top,
                                    contract_value=plan["value"])
        memo = services.memo_update(
            actor=lead, memo=memo, alternatives={b.pk: f"{b.vendor} scored lower." for b in bids if b != top},
            recommendation="Best scored bid.", do_nothing="Ticket volumes keep growing.",
            build_in_house="We lack the team.", risk_notes="Tracked in the vendor register.",
            negotiation_objectives="Fixed unit price.", key_asks="No training on our data.",
            key_clauses="Data rights, exit assistance.", walk_away="Any right to train on our data.",
            batna_notes="The runner-up accepted our terms.",
            residual_risks=[risks[top.vendor_id][0]] if gaps["risk_on_memo"] else [])
        if depth >= 4:
            memo = services.memo_submit(actor=lead, memo=memo)
            if depth >= 5:
                gaps["presigned"] = _presign(memo, people, short=plan["gaps"]["short"])
            _open_gaps_after_submission(gaps, people, top, risks[top.vendor_id][0])
    procedure.refresh_from_db()
    return World(people=people, procedure=procedure, bids=bids, criteria=criteria, knockout=knockout, risks=risks,
                 gaps=gaps)


def _accept(risk, people) -> None:
    """Accept the residual risk at the level the acceptance matrix names (never by its owner, the business owner)."""
    from vendors.services.risks import risk_accept

    acceptor = people["lead"] if risk.residual_rating == "low" else people["vendor_risk"]
    risk_accept(actor=acceptor, risk=risk, reason="Within our appetite for this contract")


def _gate_questions(drawn: dict, people: dict, procedure, top, risk, *, submitted: bool) -> dict:
    """Set the winner's due diligence, its risk's acceptance and the waivers as drawn, in the state the memo must be
    in to be submitted (when it is): a gap drawn without its waiver is closed here and opened after submission."""
    from vendors.services.risks import risk_update

    lead, approver = people["lead"], people["vendor_risk"]
    risk.refresh_from_db()
    critical = risk.residual_rating == "critical"  # nobody accepts a critical residual risk
    gaps = {"dd_complete": drawn["winner_dd"], "risk_on_memo": drawn["risk_on_memo"],
            "risk_accepted": drawn["risk_accepted"] and not critical,
            "dd_waiver": drawn["dd_waiver"], "risk_waiver": drawn["risk_waiver"]}
    gaps["dd_lapses"] = submitted and not gaps["dd_complete"] and not gaps["dd_waiver"]
    gaps["risk_lapses"] = (submitted and gaps["risk_on_memo"] and not gaps["risk_accepted"]
                           and not gaps["risk_waiver"])
    if gaps["dd_complete"] or gaps["dd_lapses"]:
        complete_due_diligence(top, lead)
    if gaps["risk_accepted"] or gaps["risk_lapses"]:
        if critical:  # accepted at a lower rating; re-rated critical after submission, which voids the acceptance
            gaps["critical_rating"] = (risk.residual_likelihood, risk.residual_impact)
            risk = risk_update(actor=lead, risk=risk, residual_likelihood=1, residual_impact=2,
                               reason="Mitigated by the pilot's fallback")
        _accept(risk, people)
    if gaps["dd_waiver"]:
        services.waiver_record(actor=approver, procedure=procedure, kind="due_diligence", reason=WAIVER_REASON)
    if gaps["risk_waiver"]:
        services.waiver_record(actor=approver, procedure=procedure, kind="residual_risk", subject=risk.title,
                               reason=WAIVER_REASON)
    return gaps


def _open_gaps_after_submission(gaps: dict, people: dict, top, risk) -> None:
    from vendors.models import Evidence
    from vendors.services.evidence import evidence_review
    from vendors.services.risks import risk_set_status, risk_update

    lead = people["lead"]
    if gaps["dd_lapses"]:
        evidence = Evidence.objects.filter(vendor=top.vendor_id).order_by("pk").first()
        evidence_review(actor=lead, evidence=evidence, outcome=Evidence.Outcome.REJECTED,
                        notes="The questionnaire is unsigned.")
    if gaps["risk_lapses"]:
        if "critical_rating" in gaps:
            likelihood, impact = gaps["critical_rating"]
            risk_update(actor=lead, risk=risk, residual_likelihood=likelihood, residual_impact=impact,
                        reason="The fallback failed its test")
        else:
            risk_set_status(actor=lead, risk=risk, status=Risk.Status.OPEN, reason="Acceptance withdrawn for review")


# Who signs at build time, committee by committee: a route's quorum is met by distinct people.
PRESIGNERS = {PM: ("pm_only",), RC: ("rc_only", "pm_and_rc"), EC: ("ec_only",)}


def _presign(memo, people: dict, *, short: int) -> int:
    """Record approvals on the open route until it is `short` approvals short of quorum (at least one short);
    returns how many were recorded."""
    from awards.models import ApprovalRoute
    from tests.factories.accounts import TEST_PASSWORD

    route = ApprovalRoute.objects.get(memo=memo, status=ApprovalRoute.Status.OPEN)
    plan = [(step.committee.key, name) for step in route.steps.select_related("committee").order_by("position")
            for name in PRESIGNERS[step.committee.key][:step.quorum]]
    recorded = plan[:max(len(plan) - short, 0)]
    for key, name in recorded:
        services.signoff_record(actor=people[name], memo=memo, decision="approve", password=TEST_PASSWORD,
                                committee=key)
    return len(recorded)
