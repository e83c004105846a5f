"""An adversarial state machine over award procedures (issue 17, "An award that survives challenge").

Hypothesis drives one procedure (built to a drawn depth: tests/awards/machine/world.py) through random sequences of
service calls — stage moves, declarations and recusals, scores and sheets, consensus, knockout decisions,
shortlisting, evaluator assignment, timeline changes, waivers, residual-risk acceptance, the memo's create,
update and submit, and sign-offs with the right or a wrong password — each by a random person drawn from every role
(lead, another lead, business owner, evaluators, approvers on overlapping committees, auditor, vendor-risk
approver, an unrelated user, an inactive user).

A call either succeeds or is refused with a refusal type (PermissionDenied, ValidationError, Http404, DomainError
and its subclasses); anything else fails the test. A refused call must write nothing: the row count of every table
and the state of the procedure, its bids and its memo are the same before and after.

Invariants, checked after every step:
 - no bid with a knockout confirmed Fail is shortlisted or awarded;
 - an approved memo had, when it was approved, complete due diligence of the recommended vendor as of its
   decision date or a due-diligence waiver recorded before, and each of its residual risks accepted or waived;
 - on an approved route each committee's quorum is met by distinct people who sit on that committee, and (with
   the default policy, one committee per person) nobody's signature counts for two committees of the route;
 - whenever the engine has a result, the decision record recomputed independently (tests/awards/
   test_decision_record.recompute, which imports no scoring code) gives the results page's ranking and totals.

A few examples by default (the fast leg); set BATON_STATE_MACHINE_EXAMPLES for more (e.g. 200), and
BATON_STATE_MACHINE_STEPS for longer runs (default 25). Run with -s to see how many steps were explored.
"""

from __future__ import annotations

import inspect
import itertools
import os
from collections import Counter
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from awards import services
from awards.models import ApprovalRoute, Bid, ConflictDeclaration, DecisionMemo, SignOff
from awards.models.approval import Decision
from awards.models.memo import MemoStatus
from awards.models.procedure import Stage
from awards.models.scorecard import KnockoutDecision, ScoreSheet
from awards.models.waivers import WaiverKind
from procurement.exceptions import DomainError
from tests.awards.machine.fingerprint import difference, fingerprint
from tests.awards.machine.world import CONTRACT_VALUES, PEOPLE, SCORES, build, plans
from tests.awards.test_decision_record import recompute_json
from tests.factories.accounts import TEST_PASSWORD

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("BATON_STATE_MACHINE_EXAMPLES", "8"))
STEPS = int(os.environ.get("BATON_STATE_MACHINE_STEPS", "25"))
SETTINGS = settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                    print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                            HealthCheck.data_too_large, HealthCheck.filter_too_much])
REFUSALS = (PermissionDenied, ValidationError, Http404, DomainError)
STATS: Counter = Counter()
_seq = itertools.count()

# Everybody acts, the people who can move the procedure more often (else nearly every call is a refusal).
WEIGHTS = {"lead": 6, "eval1": 3, "eval2": 3, "eval_approver": 2, "pm_only": 2, "pm_and_rc": 3, "rc_only": 2,
           "rc_and_ec": 3, "ec_only": 2, "vendor_risk": 2}
actors = st.sampled_from([name for name in sorted(PEOPLE) for _ in range(WEIGHTS.get(name, 1))])
bid_index = st.integers(0, 2)
criterion_index = st.integers(0, 2)
REASON = "The panel weighed this and records why, in full."
WAIVER_REASONS = st.sampled_from([
    "The board accepted the gap for this award given the vendor's track record with us.",
    "ok",  # too short: refused
])
STAGE_TARGETS = [s for s in Stage.values if s != Stage.CANCELLED]


def _one_committee_per_person() -> bool:
    """The policy's setting when it exists; the default (one committee per person) otherwise."""
    try:
        from awards.policies import one_committee_per_person
    except ImportError:
        return True
    return bool(one_committee_per_person())


class AwardProcedureMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        cache.clear()  # sign-off throttling and the results cache start empty in every example
        self.world = None
        self.checked_memos: set[int] = set()
        STATS["examples"] += 1

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # --- plumbing ------------------------------------------------------------------------------------------

    @initialize(plan=plans)
    def build_world(self, plan):
        self.world = build(plan, next(_seq))
        STATS[f"depth {plan['depth']}"] += 1

    def person(self, name):
        user = self.world.people[name]
        user.refresh_from_db()
        for cached in ("_baton_roles", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(cached, None)
        return user

    @property
    def procedure(self):
        self.world.procedure.refresh_from_db()
        return self.world.procedure

    def bid(self, n):
        return Bid.objects.select_related("vendor", "procedure").get(pk=self.world.bids[n].pk)

    def memo(self):
        return DecisionMemo.objects.select_related("procedure", "recommended_bid__vendor").filter(
            procedure=self.world.procedure).first()

    def call(self, name, service, **kwargs):
        """Call one service; a refusal must leave every table as it was."""
        STATS["steps"] += 1
        before = fingerprint(self.world.procedure.pk)
        try:
            result = service(**kwargs)
        except REFUSALS as exc:
            after = fingerprint(self.world.procedure.pk)
            STATS[f"{name}: refused"] += 1
            assert before == after, (f"{name} was refused ({type(exc).__name__}: {exc}) but wrote: "
                                     + difference(before, after))
            return None
        STATS[f"{name}: done"] += 1
        return result

    # --- rules: the procedure ------------------------------------------------------------------------------

    @rule(actor=actors, stage=st.sampled_from(STAGE_TARGETS))
    def advance(self, actor, stage):
        self.call("procedure_advance", services.procedure_advance, actor=self.person(actor),
                  procedure=self.procedure, target=stage, reason="Moving on")

    @rule(actor=actors, days=st.integers(-40, 60))
    def move_award_date(self, actor, days):
        self.call("procedure_set_timeline", services.procedure_set_timeline, actor=self.person(actor),
                  procedure=self.procedure, target_award_date=timezone.localdate() + timedelta(days=days),
                  reason="The board meets on another day")

    @rule(actor=actors, who=st.sampled_from(sorted(PEOPLE)))
    def assign_evaluator(self, actor, who):
        self.call("evaluator_assign", services.evaluator_assign, actor=self.person(actor),
                  procedure=self.procedure, evaluator=self.person(who))

    # --- rules: conflicts, scores, consensus, knockouts, shortlist -----------------------------------------------

    @rule(actor=actors, n=bid_index, has_conflict=st.booleans())
    def declare(self, actor, n, has_conflict):
        self.call("conflict_declare", services.conflict_declare, actor=self.person(actor), bid=self.bid(n),
                  has_conflict=has_conflict, description="Former colleague at the vendor" if has_conflict else "")

    @rule(actor=actors, pick=st.integers(0, 20), recuse=st.booleans())
    def review_conflict(self, actor, pick, recuse):
        declarations = list(ConflictDeclaration.objects.filter(
            assignment__procedure=self.world.procedure).order_by("pk"))
        if not declarations:
            return
        self.call("conflict_review", services.conflict_review, actor=self.person(actor),
                  declaration=declarations[pick % len(declarations)], recuse=recuse, reason=REASON)

    @rule(actor=actors, n=bid_index, c=criterion_index, value=st.sampled_from(SCORES))
    def score(self, actor, n, c, value):
        self.call("score_save", services.score_save, actor=self.person(actor), bid=self.bid(n),
                  criterion=self.world.criteria[c], value=value, rationale="Seen in the proposal")

    @rule(actor=actors)
    def submit_sheet(self, actor):
        self.call("scoresheet_submit", services.scoresheet_submit, actor=self.person(actor),
                  procedure=self.procedure)

    @rule(actor=actors, pick=st.integers(0, 5))
    def reopen_sheet(self, actor, pick):
        sheets = list(ScoreSheet.objects.filter(scorecard__procedure=self.world.procedure).order_by("pk"))
        if not sheets:
            return
        self.call("scoresheet_reopen", services.scoresheet_reopen, actor=self.person(actor),
                  sheet=sheets[pick % len(sheets)], reason="A figure was misread")

    @rule(actor=actors, n=bid_index, c=criterion_index, value=st.none() | st.sampled_from(SCORES))
    def consensus(self, actor, n, c, value):
        self.call("consensus_record", services.consensus_record, actor=self.person(actor), bid=self.bid(n),
                  criterion=self.world.criteria[c], note="The panel agreed after discussion", score=value)

    @rule(actor=actors, n=bid_index, passed=st.booleans())
    def decide_knockout(self, actor, n, passed):
        self.call("knockout_decide", services.knockout_decide, actor=self.person(actor),
                  knockout=self.world.knockout, bid=self.bid(n), passed=passed,
                  reason="Clause checked" if passed else "Keeps a right to train on prompts")

    @rule(actor=actors, n=bid_index, status=st.sampled_from([Bid.Status.SHORTLISTED, Bid.Status.KNOCKED_OUT,
                                                              Bid.Status.AWARDED]))
    def decide_bid(self, actor, n, status):
        self.call("bid_decide", services.bid_decide, actor=self.person(actor), bid=self.bid(n), status=status,
                  reason="Decided on the evaluation")

    # --- rules: waivers and residual risks -----------------------------------------------------------------

    @rule(actor=actors, kind=st.sampled_from(WaiverKind.values), n=bid_index, about_risk=st.booleans(),
          reason=WAIVER_REASONS)
    def waive(self, actor, kind, n, about_risk, reason):
        subject = self.world.risks[self.bid(n).vendor_id][0].title if about_risk else ""
        self.call("waiver_record", services.waiver_record, actor=self.person(actor), procedure=self.procedure,
                  kind=kind, subject=subject, reason=reason)

    @rule(actor=actors, n=bid_index)
    def accept_risk(self, actor, n):
        from vendors.services.risks import risk_accept

        self.call("risk_accept", risk_accept, actor=self.person(actor),
                  risk=self.world.risks[self.bid(n).vendor_id][0], reason="Within our appetite for this contract")

    # --- rules: the memo and its sign-offs -----------------------------------------------------------------

    @rule(actor=actors, n=bid_index)
    def create_memo(self, actor, n):
        self.call("memo_create", services.memo_create, actor=self.person(actor), procedure=self.procedure,
                  recommended_bid=self.bid(n))

    @rule(actor=actors, change=st.sampled_from(["recommend", "value", "risks", "wrong_risks", "justify", "date"]),
          n=bid_index, value=st.sampled_from(CONTRACT_VALUES), days=st.integers(-10, 10))
    def update_memo(self, actor, change, n, value, days):
        memo = self.memo()
        if memo is None:
            return
        changes = {}
        if change == "recommend":
            changes["recommended_bid"] = self.bid(n)
        elif change == "value":
            changes["contract_value"] = value
        elif change in ("risks", "wrong_risks"):
            recommended = memo.recommended_bid or self.bid(n)
            vendor = recommended.vendor_id if change == "risks" else self.bid((n + 1) % 3).vendor_id
            changes["residual_risks"] = self.world.risks[vendor]
        elif change == "justify":
            changes["ranking_justification"] = "Better data terms outweigh the small score gap."
        else:
            changes["decision_date"] = timezone.localdate() + timedelta(days=days)
        self.call("memo_update", services.memo_update, actor=self.person(actor), memo=memo, **changes)

    @rule(actor=actors)
    def submit_memo(self, actor):
        memo = self.memo()
        if memo is None:
            return
        self.call("memo_submit", services.memo_submit, actor=self.person(actor), memo=memo)

    @rule(actor=actors, decision=st.sampled_from([Decision.APPROVE] * 4 + [Decision.REJECT, Decision.REQUEST_CHANGES]),
          right_password=st.sampled_from([True, True, True, False]), committee=st.sampled_from([None, 0, 1]))
    def sign(self, actor, decision, right_password, committee):
        memo = self.memo()
        if memo is None:
            return
        user = self.person(actor)
        kwargs = {"actor": user, "memo": memo, "decision": decision, "comment": "" if decision == Decision.APPROVE
                  else "The risk section needs another look.",
                  "password": TEST_PASSWORD if right_password else "not-the-password"}
        if committee is not None and "committee" in inspect.signature(services.signoff_record).parameters:
            mine = list(user.approval_committees.order_by("pk"))
            if mine:
                kwargs["committee"] = mine[committee % len(mine)]
        self.call("signoff_record", services.signoff_record, **kwargs)

    # --- invariants ----------------------------------------------------------------------------------------

    @invariant()
    def no_failed_knockout_is_shortlisted_or_awarded(self):
        if self.world is None:
            return
        failed = set(KnockoutDecision.objects.filter(bid__procedure=self.world.procedure, passed=False)
                     .values_list("bid_id", flat=True))
        bad = Bid.objects.filter(pk__in=failed, status__in=(Bid.Status.SHORTLISTED, Bid.Status.AWARDED))
        assert not bad.exists(), f"bids with a failed knockout are {list(bad.values_list('pk', 'status'))}"

    @invariant()
    def an_approved_memo_had_due_diligence_and_accepted_risks(self):
        if self.world is None:
            return
        from awards.selectors import bid_due_diligence
        from awards.selectors.waivers import waivers_for

        memo = self.memo()
        if memo is None or memo.status != MemoStatus.APPROVED or memo.pk in self.checked_memos:
            return
        self.checked_memos.add(memo.pk)  # checked once, right after the step that approved it
        STATS["memos approved"] += 1
        procedure = memo.procedure
        dd = bid_due_diligence(memo.recommended_bid, memo.decision_date)
        dd_waived = waivers_for(procedure, WaiverKind.DUE_DILIGENCE).filter(
            recorded_at__lte=memo.approved_at).exists()
        assert dd.complete or dd_waived, (
            f"memo of {procedure.reference} approved with incomplete due diligence as of {memo.decision_date} "
            f"({'; '.join(dd.gaps)}) and no due-diligence waiver")
        for risk in memo.residual_risks.all():
            waived = waivers_for(procedure, WaiverKind.RESIDUAL_RISK, subject=risk.title).filter(
                recorded_at__lte=memo.approved_at).exists()
            assert risk.status == "accepted" or waived, (
                f"memo of {procedure.reference} approved with residual risk “{risk.title}” {risk.status}, "
                "neither accepted nor waived")

    @invariant()
    def approved_routes_have_distinct_members_at_quorum(self):
        if self.world is None:
            return
        for route in ApprovalRoute.objects.filter(memo__procedure=self.world.procedure,
                                                  status=ApprovalRoute.Status.APPROVED):
            approvals = list(SignOff.objects.filter(route=route, decision=Decision.APPROVE).select_related("step"))
            for step in route.steps.select_related("committee"):
                signers = [s.signer_id for s in approvals if s.step_id == step.pk]
                members = set(step.committee.members.values_list("pk", flat=True))
                assert len(signers) == len(set(signers)), f"{step.committee_name}: a signer counted twice"
                assert set(signers) <= members, f"{step.committee_name}: a signer is not a member"
                assert len(set(signers)) >= step.quorum, (
                    f"{step.committee_name}: {len(set(signers))} distinct approvals, quorum {step.quorum}")
            if _one_committee_per_person():
                counted = Counter(s.signer_id for s in approvals)
                twice = {signer: n for signer, n in counted.items() if n > 1}
                assert not twice, (
                    f"route {route.pk} approved with one person's signature counting for "
                    f"{max(twice.values())} committees: "
                    + ", ".join(f"{s.signer} for {s.step.committee_name}" for s in approvals
                                if s.signer_id in twice))

    @invariant()
    def the_decision_record_recomputes_to_the_results_page(self):
        if self.world is None:
            return
        from awards.policies import scoring_closed
        from awards.results import procedure_results
        from awards.selectors.decision_record import decision_record

        procedure = self.procedure
        if not scoring_closed(procedure):
            return  # nobody reads the full record (every evaluator's scores) before scoring has closed
        data = procedure_results(procedure)
        if data.result is None:
            return
        STATS["records recomputed"] += 1
        record = decision_record(procedure, for_user=self.person("lead"))
        assert record["scope"] == "full"
        totals, ranked, excluded = recompute_json(record)
        shown = [(b.key, b.total) for b in data.result.ranking]
        assert ranked == [key for key, _ in shown], (ranked, shown)
        for key, total in shown:
            assert abs(totals[key] - float(total)) <= 1e-9, (key, totals[key], total)
        assert excluded == sorted(b.key for b in data.result.excluded)


def test_award_procedures_survive_random_service_calls_by_random_people():
    STATS.clear()
    try:
        run_state_machine_as_test(AwardProcedureMachine, settings=SETTINGS)
    finally:
        done = sum(n for k, n in STATS.items() if k.endswith(": done"))
        refused = sum(n for k, n in STATS.items() if k.endswith(": refused"))
        print(f"\nstate machine: {STATS['examples']} examples, {STATS['steps']} service calls "
              f"({done} done, {refused} refused), {STATS['memos approved']} memos approved, "
              f"{STATS['records recomputed']} decision records recomputed")
        for key in sorted(STATS):
            print(f"  {key}: {STATS[key]}")
