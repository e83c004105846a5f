"""A small, varied world for the policy property tests, built as rows (factories and plain saves, every row
with its history) inside the test's transaction. Hypothesis draws the shape (`world_plans`); `build(plan)` makes
it: users in every role, active and inactive (and a superuser); procedures in every stage with requirements,
bids in every status, evaluator assignments with their object grants, conflict declarations under every review,
score sheets; decision memos with open and closed routes, committees and sign-offs already given; contracts with
team seats, their grants and a RACI; vendor follow-ups."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from hypothesis import strategies as st

from awards.models import (
    ApprovalRoute,
    AwardProcedure,
    AwardProcedureUserObjectPermission,
    Bid,
    Committee,
    ConflictDeclaration,
    DecisionMemo,
    EvaluatorAssignment,
    MemoVersion,
    Requirement,
    RouteStep,
    SignOff,
)
from awards.models.approval import Decision
from awards.models.memo import MemoStatus
from awards.models.procedure import Stage
from awards.models.scorecard import Scorecard, ScorecardTemplate, ScoreSheet
from awards.models.templates import ProcedureTemplate
from contracts.models import Contract, RaciActivity, RaciAssignment
from contracts.models.contract import TEAM_FIELDS
from contracts.playbook import CHANGE_ORDER_ACTIVITY
from contracts.services.contracts import sync_team_grants
from procurement.accounts.models import User
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.vendors import VendorFactory
from vendors.models import VendorContact, VendorTask

N_USERS = 7
REVIEWS = [None, *ConflictDeclaration.Review.values, ConflictDeclaration.Review.RECUSED]

users_st = st.lists(st.tuples(st.sets(st.sampled_from(list(Role.values)), max_size=3),
                              st.booleans() | st.just(True)), min_size=N_USERS, max_size=N_USERS)
who = st.integers(min_value=0, max_value=N_USERS - 1)
bid_st = st.fixed_dictionaries({
    "status": st.sampled_from(Bid.Status.values),
    "submitted": st.booleans(),
    "late": st.sampled_from(["", "", Bid.LateDecision.ADMITTED, Bid.LateDecision.REJECTED]),
})
# biased towards memos in approval with an open route, where the sign-off rules bite
memo_st = st.fixed_dictionaries({
    "author": who, "status": st.sampled_from([MemoStatus.IN_APPROVAL] * 4 + list(MemoStatus.values)),
    "recommended": st.integers(0, 2),
    "closed_route": st.booleans(),
    "open_route": st.sampled_from([True, True, True, False]),
    "committees": st.lists(st.sampled_from([0, 1]), min_size=1, max_size=2, unique=True),
    "signers": st.lists(who, max_size=3, unique=True),
})
procedure_st = st.fixed_dictionaries({
    "lead": who, "owner": who, "stage": st.sampled_from(Stage.values),
    "requirements": st.lists(st.booleans(), max_size=2),
    "bids": st.lists(bid_st, min_size=0, max_size=3),
    "evaluators": st.lists(st.tuples(who, st.booleans(), st.lists(st.sampled_from(REVIEWS), min_size=3,
                                                                     max_size=3)),
                           max_size=4, unique_by=lambda e: e[0]),
    "memo": st.one_of(st.none(), memo_st, memo_st, memo_st),
})
contract_st = st.fixed_dictionaries({
    "seats": st.fixed_dictionaries({seat: st.none() | who for seat in TEAM_FIELDS}),
    "status": st.sampled_from(Contract.Status.values),
    "accountable": st.none() | st.sampled_from(list(TEAM_FIELDS)),
})
world_plans = st.fixed_dictionaries({
    "users": users_st,
    "superuser": st.booleans(),
    "committees": st.lists(st.tuples(st.lists(who, max_size=5, unique=True), st.integers(1, 2)), min_size=2,
                           max_size=2),
    "procedures": st.lists(procedure_st, min_size=1, max_size=3),
    "contracts": st.lists(contract_st, max_size=2),
    "tasks": st.lists(st.tuples(who, st.booleans()), max_size=3),
    # The first procedure's memo is in approval with an open route (mostly), and some approvers on it declared
    # a conflict with the recommended bid (pending, accepted or recused): the cases the old copies disagreed on.
    "focus": st.sampled_from([True, True, True, False]),
    "conflicted_approvers": st.lists(st.tuples(who, st.sampled_from(ConflictDeclaration.Review.values)),
                                     max_size=2, unique_by=lambda c: c[0]),
})


@dataclass
class World:
    users: list = field(default_factory=list)
    routes: list = field(default_factory=list)


def _save(obj, reason="test world"):
    obj._change_reason = reason
    obj.save()
    return obj


def _grant_evaluator(procedure, user):
    for codename in ("view_awardprocedure", "evaluate_awardprocedure"):
        permission = Permission.objects.get(content_type__app_label="awards", codename=codename)
        _save(AwardProcedureUserObjectPermission(content_object=procedure, user=user, permission=permission))


def _focus(plan: dict) -> dict:
    first = dict(plan["procedures"][0])
    first["bids"] = first["bids"] or [{"status": Bid.Status.SHORTLISTED, "submitted": True, "late": ""}]
    first["memo"] = {**(first["memo"] or {"author": first["lead"], "closed_route": False, "committees": [0],
                                          "signers": []}),
                     "status": MemoStatus.IN_APPROVAL, "open_route": True, "recommended": 0}
    return {**plan, "procedures": [first, *plan["procedures"][1:]]}


def _conflicted_approvers(plan: dict, world: World, committees: list) -> None:
    """Make some users approvers on an open route who declared a conflict with its memo's recommended bid."""
    open_routes = [r for r in world.routes if r.status == ApprovalRoute.Status.OPEN and r.memo.recommended_bid_id]
    if not open_routes:
        return
    route = open_routes[0]
    procedure = route.memo.procedure
    for n, review in plan["conflicted_approvers"]:
        user = world.users[n]
        user.groups.add(Group.objects.get_or_create(name=Role.COMMITTEE_APPROVER)[0])
        route.steps.order_by("position").first().committee.members.add(user)
        assignment = EvaluatorAssignment.objects.filter(procedure=procedure, evaluator=user).first()
        if assignment is None:
            assignment = _save(EvaluatorAssignment(procedure=procedure, evaluator=user, assigned_by=procedure.lead))
            _grant_evaluator(procedure, user)
        if not ConflictDeclaration.objects.filter(assignment=assignment, bid_id=route.memo.recommended_bid_id).exists():
            _save(ConflictDeclaration(assignment=assignment, bid_id=route.memo.recommended_bid_id,
                                      has_conflict=review != ConflictDeclaration.Review.NOT_NEEDED, review=review))


def build(plan: dict, seq: int) -> World:
    if plan["focus"]:
        plan = _focus(plan)
    world = World()
    now = timezone.now()
    for n, (roles, active) in enumerate(plan["users"]):
        user = UserFactory(roles=sorted(roles), username=f"w{seq}u{n}")
        if not active:
            user.is_active = False
            _save(user)
        world.users.append(user)
    boss = UserFactory(username=f"w{seq}root", is_superuser=plan["superuser"])
    world.users.append(boss)
    u = world.users
    committees, vendors = [], []
    for n, (members, quorum) in enumerate(plan["committees"]):
        committee = _save(Committee(key=f"w{seq}-c{n}", name=f"Committee {n}", quorum=quorum))
        committee.members.add(*[u[m] for m in members])
        committees.append(committee)

    for active in (True, False):  # templates (issue 21): one active and one retired of each kind
        for model in (ScorecardTemplate, ProcedureTemplate):
            _save(model(slug=f"w{seq}-{model.__name__.lower()}-{active}", name=f"Template {active}", definition={},
                        active=active, created_by=u[0]))

    for p_n, p in enumerate(plan["procedures"]):
        procedure = _save(AwardProcedure(reference=f"AP-W{seq}-{p_n}", title=f"Procedure {p_n}",
                                         need_statement="Need.", business_owner=u[p["owner"]], lead=u[p["lead"]],
                                         category="ai_saas", estimated_value=100000, term_months=12,
                                         stage=p["stage"]))
        for r_n, agreed in enumerate(p["requirements"]):
            _save(Requirement(procedure=procedure, code=f"R{r_n + 1}", title=f"Requirement {r_n}", priority="must",
                              agreed_at=now if agreed else None,
                              agreed_by=procedure.business_owner if agreed else None))
        bids = []
        for b in p["bids"]:
            vendor = VendorFactory(owner=u[p["lead"]], tier="medium")
            vendors.append(vendor)
            bids.append(_save(Bid(procedure=procedure, vendor=vendor, status=b["status"], invited_by=u[p["lead"]],
                                  invited_at=now, submitted_at=now if b["submitted"] else None,
                                  late_decision=b["late"], vendor_tier="medium")))
        scorecard = _save(Scorecard(procedure=procedure))
        for e_user, submitted, reviews in p["evaluators"]:
            evaluator = u[e_user]
            assignment = _save(EvaluatorAssignment(procedure=procedure, evaluator=evaluator,
                                                   assigned_by=procedure.lead))
            _grant_evaluator(procedure, evaluator)
            for bid, review in zip(bids, reviews, strict=False):
                if review is None:
                    continue
                _save(ConflictDeclaration(assignment=assignment, bid=bid,
                                          has_conflict=review != ConflictDeclaration.Review.NOT_NEEDED,
                                          review=review))
            if submitted or e_user % 2:
                _save(ScoreSheet(scorecard=scorecard, evaluator=evaluator, submitted_at=now if submitted else None))
        m = p["memo"]
        if m is None:
            continue
        recommended = bids[m["recommended"]] if m["recommended"] < len(bids) else None
        memo = _save(DecisionMemo(procedure=procedure, author=u[m["author"]], status=m["status"], title="Memo",
                                  decision_date=now.date(), contract_value=Decimal("50000"),
                                  recommended_bid=recommended, content_hash="0" * 64))
        number = 0
        for status, wanted in ((ApprovalRoute.Status.RETURNED, m["closed_route"]),
                               (ApprovalRoute.Status.OPEN, m["open_route"] and m["status"] == MemoStatus.IN_APPROVAL)):
            if not wanted:
                continue
            number += 1
            content_hash = hashlib.sha256(f"{memo.pk}:{number}".encode()).hexdigest()
            version = _save(MemoVersion(memo=memo, number=number, content={}, scoring_snapshot={},
                                        content_hash=content_hash, submitted_by=memo.author, submitted_at=now))
            route = _save(ApprovalRoute(memo=memo, version=version, rule_name="Test rule", rule_explanation="Test",
                                        contract_value=memo.contract_value, vendor_tier="medium", status=status))
            steps = [_save(RouteStep(route=route, committee=committees[c], committee_name=committees[c].name,
                                     quorum=committees[c].quorum, position=c)) for c in m["committees"]]
            for step in steps:  # the seats, as approval_route_open records them
                step.members.set(step.committee.members.all())
            for signer in m["signers"]:
                for step in steps:
                    if step.committee.members.filter(pk=u[signer].pk).exists():
                        _save(SignOff(route=route, step=step, signer=u[signer], decision=Decision.APPROVE,
                                      content_hash=content_hash, signed_at=now))
                        break
            world.routes.append(route)

    _conflicted_approvers(plan, world, committees)

    for c_n, c in enumerate(plan["contracts"]):
        seats = {seat: (u[n] if n is not None else None) for seat, n in c["seats"].items()}
        seats["negotiation_lead"] = seats["negotiation_lead"] or u[0]
        contract = _save(Contract(reference=f"CT-W{seq}-{c_n}", title=f"Contract {c_n}",
                                  vendor=VendorFactory(owner=u[0]), value=Decimal("1000"), status=c["status"],
                                  created_by=u[0], **seats))
        sync_team_grants(contract, actor=u[0])
        if c["accountable"]:
            activity = _save(RaciActivity(contract=contract, name=CHANGE_ORDER_ACTIVITY))
            _save(RaciAssignment(activity=activity, party=c["accountable"], code="A"))

    for n, (assignee, is_open) in enumerate(plan["tasks"]):
        if not vendors:
            break
        _save(VendorTask(vendor=vendors[n % len(vendors)], kind=VendorTask.Kind.DD_ITEM, item_code=f"item-{n}",
                         title=f"Task {n}",
                         assignee=u[assignee], opened_reason="Test",
                         status=VendorTask.Status.OPEN if is_open else VendorTask.Status.DONE,
                         closed_at=None if is_open else now, closed_by=None if is_open else u[0]))
    # Bidder contacts (issue 20), one per vendor, every other one inactive: every internal policy must give them
    # nothing, and the portal's vendor policy only their own vendor.
    for n, vendor in enumerate(vendors):
        bidder = UserFactory(username=f"w{seq}b{n}", kind=User.Kind.BIDDER, is_active=n % 2 == 0)
        _save(VendorContact(vendor=vendor, name=f"Contact {n}", email=f"w{seq}b{n}@bidder.example", account=bidder))
        world.users.append(bidder)
    return world
