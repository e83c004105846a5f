"""An adversarial state machine over award procedures (issue 17, "An award that survives challenge").

Hypothesis drives one procedure (built to a drawn depth: tests/awards/machine/world.py, down to a memo in approval
with sign-offs recorded and, drawn per example, the recommended vendor's due diligence complete or not, its
residual risk on the memo accepted or not, and waivers recorded or not) through random sequences of service
calls — stage moves, declarations and recusals, scores and sheets, consensus, knockout decisions, shortlisting,
evaluator assignment, timeline changes, waivers, residual-risk acceptance, the memo's create, update and submit,
and sign-offs with the right or a wrong password — each by a random person drawn from every role (lead, another
lead, business owner, evaluators, approvers on overlapping committees, auditor, vendor-risk approver, an unrelated
user, an inactive user).

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

Rules aimed at the approval (enabled while a memo is in approval): a member of a committee still short of quorum
signs (approval.signable_steps), naming a committee of theirs that still counts, one that already reached quorum,
one they do not sit on, or none; a member of two committees of the route signs once for each; waivers are
recorded mid-approval by eligible and ineligible people (the beneficiary, the lead, people without the role);
the recommended vendor's evidence is rejected, re-accepted or replaced by a new, unreviewed version (its due
diligence may lapse mid-approval); the residual risk's acceptance is withdrawn, re-rated away or given again.

A few examples by default (the fast leg); set BATON_STATE_MACHINE_EXAMPLES for more (e.g. 200), and
BATON_STATE_MACHINE_STEPS for longer runs (default 25). Run with -s to see what was explored (service calls done
and refused, memos submitted and approved, final sign-offs the approval gate refused); the same counts are
Hypothesis events, shown with --hypothesis-show-statistics. BATON_STATE_MACHINE_REASONS=1 also tallies the
sign-off refusals by reason and prints a line per example.
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
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from awards import services
from awards.models import ApprovalRoute, Bid, ConflictDeclaration, DecisionMemo, SignOff
from awards.models.approval import Decision
from awards.models.memo import MemoStatus
from awards.models.procedure import Stage
from awards.models.scorecard import KnockoutDecision, ScoreSheet
from awards.models.waivers import WaiverKind
from awards.services import approval
from procurement.exceptions import DomainError, InvalidTransition
from tests.awards.machine.fingerprint import difference, fingerprint
from tests.awards.machine.world import (
    CONTRACT_VALUES,
    PEOPLE,
    RISK_RATINGS,
    SCORES,
    WAIVER_REASON,
    build,
    plans,
)
from tests.awards.test_decision_record import recompute_json
from tests.factories.accounts import TEST_PASSWORD

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("BATON_STATE_MACHINE_EXAMPLES", "8"))
STEPS = int(os.environ.get("BATON_STATE_MACHINE_STEPS", "25"))
SETTINGS = settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                    print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                            HealthCheck.data_too_large, HealthCheck.filter_too_much])
REFUSALS = (PermissionDenied, ValidationError, Http404, DomainError)
# Tally the sign-off refusals by reason, and print one line per example (its depth, gaps, calls, the memo's end).
REFUSAL_REASONS = bool(os.environ.get("BATON_STATE_MACHINE_REASONS"))
STATS: Counter = Counter()
_seq = itertools.count()

# Everybody acts, the people who can move the procedure more often (else nearly every call is a refusal).
WEIGHTS = {"lead": 6, "eval1": 3, "eval2": 3, "eval_approver": 2, "pm_only": 2, "pm_and_rc": 3, "rc_only": 2,
           "rc_and_ec": 3, "ec_only": 2, "vendor_risk": 2}
actors = st.sampled_from([name for name in sorted(PEOPLE) for _ in range(WEIGHTS.get(name, 1))])
bid_index = st.integers(0, 2)
criterion_index = st.integers(0, 2)
REASON = "The panel weighed this and records why, in full."
WAIVER_REASONS = st.sampled_from([WAIVER_REASON, "ok"])  # the second is too short: refused
# The people on committees (the inactive one included: refused), and who may try to record a waiver mid-approval:
# eligible approvers, the lead (the default beneficiary), people without the role, an inactive one.
COMMITTEE_PEOPLE = sorted(name for name, (_, committees, _) in PEOPLE.items() if committees)
TWO_COMMITTEE_PEOPLE = sorted(name for name, (_, committees, _) in PEOPLE.items() if len(committees) > 1)
WAIVER_ACTORS = st.sampled_from(["vendor_risk", "vendor_risk", "rc_only", "pm_only", "ec_only", "lead", "other_lead",
                                 "owner", "auditor", "unrelated", "inactive"])
GAP_WAIVERS = ["vendor_risk", "rc_only", "pm_only", "ec_only"]  # committee approvers, neither lead nor beneficiary
WAIVED = st.sampled_from(["the open gap"] * 4 + ["due diligence", "the memo's risk", "every risk", "another risk"])
BENEFICIARIES = st.sampled_from([None, None, None, "self", "vendor_risk", "owner"])  # None: the lead (the default)
GAP_WAIVER_REASONS = st.sampled_from([WAIVER_REASON] * 3 + ["ok"])
# The message of the approval gate's refusal (awards.services.memo._refuse_unwaived_gaps).
GATE_REFUSAL = "cannot be approved today without a waiver"
STAGE_TARGETS = [s for s in Stage.values if s != Stage.CANCELLED]


def _one_committee_per_person() -> bool:
    """The policy's setting when it exists; the default (one committee per person) otherwise."""
    try:
        from awards.policies import one_committee_per_person
    except ImportError:
        return True
    return bool(one_committee_per_person())


SHORT_SIGN = st.fixed_dictionaries({
    "pick": st.integers(0, 10), "which": st.integers(0, 3),
    "who": st.sampled_from(["eligible", "eligible", "eligible", "any"]),
    "choice": st.sampled_from(["valid"] * 5 + ["reached", "elsewhere", "none"]),
    "form": st.sampled_from(["key", "committee", "step", "step_id"])})


def _sign_where_short_rule(name: str):
    """One copy of the rule "a member of a committee still short of quorum signs" (AwardProcedureMachine.
    _sign_where_short), enabled while a memo is in approval."""

    def sign_where_short(self, how):
        self._sign_where_short(**how)

    sign_where_short.__name__ = sign_where_short.__qualname__ = name
    return precondition(lambda self: self.in_approval)(rule(how=SHORT_SIGN)(sign_where_short))


class AwardProcedureMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        cache.clear()  # sign-off throttling and the results cache start empty in every example
        self.world = None
        self.depth = None
        self.checked_memos: set[int] = set()
        self.in_approval = False  # the memo's status, kept by `call` (a refused call writes nothing)
        self.has_memo = False
        self.counts: Counter = Counter()  # this example's, reported as Hypothesis events at teardown
        STATS["examples"] += 1

    def teardown(self):
        if REFUSAL_REASONS and self.world is not None:
            memo = self.memo()
            print(f"  example: depth {self.depth}, memo {memo.status if memo else None}, gaps {self.world.gaps}, "
                  f"{dict(self.counts)}")
        transaction.savepoint_rollback(self.savepoint)
        calls = self.counts["service calls"]
        event("service calls per example", f"{calls // 10 * 10}-{calls // 10 * 10 + 9}")
        for what in ("memos submitted", "memos approved", "final sign-offs refused by the gate"):
            event(f"{what} per example", self.counts[what])

    # --- plumbing ------------------------------------------------------------------------------------------

    @initialize(plan=plans)
    def build_world(self, plan):
        self.world = build(plan, next(_seq))
        self.depth = plan["depth"]
        STATS[f"depth {plan['depth']}"] += 1
        event(f"depth {plan['depth']}")
        if plan["depth"] in ("submitted", "signed"):
            self.count("memos submitted")
            gaps = self.world.gaps
            open_gaps = [name for name, lapsed in (("due diligence", gaps["dd_lapses"]),
                                                   ("residual risk", gaps["risk_lapses"])) if lapsed]
            event("submitted memo with a gap and no waiver: " + (", ".join(open_gaps) or "none"))
        self.memo_state()

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

    def count(self, what: str) -> None:
        STATS[what] += 1
        self.counts[what] += 1

    def memo_state(self) -> None:
        status = DecisionMemo.objects.filter(procedure=self.world.procedure).values_list("status", flat=True).first()
        self.has_memo = status is not None
        self.in_approval = status == MemoStatus.IN_APPROVAL

    def call(self, name, service, **kwargs):
        """Call one service; a refusal must leave every table as it was."""
        STATS["steps"] += 1
        self.count("service calls")
        self.counts[name] += 1
        before = fingerprint(self.world.procedure.pk)
        try:
            result = service(**kwargs)
        except REFUSALS as exc:
            after = fingerprint(self.world.procedure.pk)
            STATS[f"{name}: refused"] += 1
            assert before == after, (f"{name} was refused ({type(exc).__name__}: {exc}) but wrote: "
                                     + difference(before, after))
            if name == "signoff_record" and REFUSAL_REASONS:
                STATS[f"signoff_record refused, {type(exc).__name__}: {str(exc)[:90]}"] += 1
            if name == "signoff_record" and isinstance(exc, InvalidTransition) and GATE_REFUSAL in str(exc):
                self.count("final sign-offs refused by the gate")
                event("the approval gate refused a final sign-off")
            return None
        STATS[f"{name}: done"] += 1
        if name == "memo_submit":
            self.count("memos submitted")
        self.memo_state()
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

    # --- rules aimed at the approval: signers and committees that can matter ------------------------------------

    def open_route(self):
        memo = self.memo()
        return memo, (approval.open_route(memo) if memo is not None else None)

    def _sign_where_short(self, pick, which, who, choice, form):
        """A member of a committee still short of quorum signs (approve), naming a committee that still counts
        for them, one of theirs that already reached quorum, one they do not sit on, or none."""
        memo, route = self.open_route()
        if route is None:
            return
        signed = set(SignOff.objects.filter(route=route).values_list("signer_id", flat=True))
        short = [(name, steps) for name in COMMITTEE_PEOPLE
                 if (steps := approval.signable_steps(route, self.person(name)))]
        if who == "eligible":
            short = [(name, steps) for name, steps in short
                     if self.world.people[name].is_active and self.world.people[name].pk not in signed] or short
        if not short:
            return
        name, steps = short[pick % len(short)]
        user = self.person(name)
        step = steps[which % len(steps)]
        if choice == "reached":
            reached = [s for s in approval.route_steps_of(route, user) if s not in steps]
            step = reached[which % len(reached)] if reached else None
            choice = "reached" if reached else "elsewhere"
        committee = None
        if choice == "elsewhere":
            mine = set(user.approval_committees.values_list("key", flat=True))
            others = [s.committee.key for s in route.steps.select_related("committee").order_by("position")
                      if s.committee.key not in mine]
            committee = others[which % len(others)] if others else "no-such-committee"
        elif choice in ("valid", "reached"):
            committee = {"key": step.committee.key, "committee": step.committee, "step": step,
                         "step_id": step.pk}[form]
        STATS[f"sign where short: {choice}"] += 1
        self.call("signoff_record", services.signoff_record, actor=user, memo=memo, decision=Decision.APPROVE,
                  password=TEST_PASSWORD, committee=committee)

    # Eight copies, so that a memo in approval gets signatures within a short run: Hypothesis's swarm testing turns
    # each rule off in a share of the examples (the copies independently), and picks among the rules left.
    sign_where_short_1 = _sign_where_short_rule("sign_where_short_1")
    sign_where_short_2 = _sign_where_short_rule("sign_where_short_2")
    sign_where_short_3 = _sign_where_short_rule("sign_where_short_3")
    sign_where_short_4 = _sign_where_short_rule("sign_where_short_4")
    sign_where_short_5 = _sign_where_short_rule("sign_where_short_5")
    sign_where_short_6 = _sign_where_short_rule("sign_where_short_6")
    sign_where_short_7 = _sign_where_short_rule("sign_where_short_7")
    sign_where_short_8 = _sign_where_short_rule("sign_where_short_8")

    @precondition(lambda self: self.in_approval)
    @rule(name=st.sampled_from(TWO_COMMITTEE_PEOPLE), first=st.integers(0, 1),
          second=st.sampled_from(["the other", "the other", "the same", "none"]))
    def sign_for_two_committees(self, name, first, second):
        """A member of two committees of the route signs for one, then again for the other (or the same, or
        without naming one)."""
        memo, route = self.open_route()
        if route is None:
            return
        user = self.person(name)
        mine = approval.route_steps_of(route, user)
        if not mine:
            return
        step = mine[first % len(mine)]
        self.call("signoff_record", services.signoff_record, actor=user, memo=memo, decision=Decision.APPROVE,
                  password=TEST_PASSWORD, committee=step.committee.key)
        memo = self.memo()
        if memo.status != MemoStatus.IN_APPROVAL:
            return
        others = [s for s in mine if s != step]
        again = {"the other": others[0].committee.key if others else step.committee.key,
                 "the same": step.committee.key, "none": None}[second]
        STATS[f"sign for two committees: {second}"] += 1
        self.call("signoff_record", services.signoff_record, actor=user, memo=memo, decision=Decision.APPROVE,
                  password=TEST_PASSWORD, committee=again)

    def _waive_a_gap(self, actor, what, beneficiary, reason):
        """A waiver for the gate's questions, by eligible and ineligible people: of the gap the gate would name
        today (when there is one), of either kind naming the memo's risk or every risk, or naming another risk."""
        from awards.selectors.memo_checks import DD_INCOMPLETE, approval_gaps
        from awards.services.memo import risk_rows

        memo = self.memo()
        risks = list(memo.residual_risks.order_by("pk"))
        kind, subject = {"due diligence": (WaiverKind.DUE_DILIGENCE, ""),
                         "the memo's risk": (WaiverKind.RESIDUAL_RISK, risks[0].title if risks else ""),
                         "every risk": (WaiverKind.RESIDUAL_RISK, ""),
                         "another risk": (WaiverKind.RESIDUAL_RISK, "Vendor lock-in")}.get(what, (None, ""))
        if what == "the open gap":
            rows = {row["title"]: row for row in risk_rows(memo)}
            gaps = [f for f in approval_gaps(memo, timezone.localdate(), list(rows.values())) if f.blocking]
            if not gaps:
                return
            if gaps[0].code == DD_INCOMPLETE:
                kind = WaiverKind.DUE_DILIGENCE
            else:
                kind = WaiverKind.RESIDUAL_RISK
                subject = next(title for title in rows if f"“{title}”" in gaps[0].message)
        user = self.person(actor)
        kwargs = {}
        if beneficiary is not None:
            kwargs["beneficiary"] = user if beneficiary == "self" else self.person(beneficiary)
        STATS[f"waive a gap: {what}"] += 1
        self.call("waiver_record", services.waiver_record, actor=user, procedure=self.procedure, kind=kind,
                  subject=subject, reason=reason, **kwargs)

    @precondition(lambda self: self.has_memo)
    @rule(actor=WAIVER_ACTORS, what=WAIVED, beneficiary=BENEFICIARIES, reason=GAP_WAIVER_REASONS)
    def waive_a_gap(self, **kwargs):
        self._waive_a_gap(**kwargs)

    @precondition(lambda self: self.in_approval)
    @rule(actor=st.sampled_from(GAP_WAIVERS))
    def approver_waives_the_open_gap(self, actor):
        """An approver at the level the policy names waives, with a real reason, the gap the gate would name."""
        self._waive_a_gap(actor=actor, what="the open gap", beneficiary=None, reason=WAIVER_REASON)

    @precondition(lambda self: self.has_memo)
    @rule(actor=actors, action=st.sampled_from(["reject", "gaps noted", "accept", "new version"]),
          pick=st.integers(0, 20), effective=st.integers(-3, 2), valid=st.none() | st.integers(-2, 12))
    def recommended_vendor_evidence(self, actor, action, pick, effective, valid):
        """The recommended vendor's evidence changes: rejected or re-accepted at review, or replaced by a new,
        unreviewed version, possibly with a validity that ends soon (its due diligence may lapse mid-approval)."""
        from vendors.models import Evidence
        from vendors.services.evidence import evidence_review, evidence_upload

        memo = self.memo()
        if memo.recommended_bid_id is None:
            return
        vendor = memo.recommended_bid.vendor
        evidence = list(Evidence.objects.filter(vendor=vendor).order_by("pk"))
        if not evidence:
            return
        chosen = evidence[pick % len(evidence)]
        user = self.person(actor)
        if action == "new version":
            today = timezone.localdate()
            self.call("evidence_upload", evidence_upload, actor=user, vendor=vendor,
                      content=SimpleUploadedFile("upload", b"%PDF-1.7\nrenewal\n%%EOF"), original_name="renewal.pdf",
                      kind=chosen.kind, title=f"{chosen.title} (renewed)", source=Evidence.Source.INDEPENDENT,
                      effective_date=today + timedelta(days=effective),
                      valid_until=None if valid is None else today + timedelta(days=valid), supersedes=chosen)
            return
        outcome = {"reject": Evidence.Outcome.REJECTED, "gaps noted": Evidence.Outcome.GAPS_NOTED,
                   "accept": Evidence.Outcome.ACCEPTED}[action]
        self.call("evidence_review", evidence_review, actor=user, evidence=chosen, outcome=outcome,
                  notes="" if action == "accept" else "The document is unsigned.")

    @precondition(lambda self: self.has_memo)
    @rule(actor=actors, action=st.sampled_from(["withdraw", "re-rate", "accept"]), rating=st.integers(0, 3))
    def memo_risk_acceptance(self, actor, action, rating):
        """The acceptance of a residual risk on the memo is withdrawn, voided by a new rating, or given again."""
        from vendors.models import Risk
        from vendors.services.risks import risk_accept, risk_set_status, risk_update

        memo = self.memo()
        risk = memo.residual_risks.order_by("pk").first()
        if risk is None:
            return
        user = self.person(actor)
        if action == "withdraw":
            self.call("risk_set_status", risk_set_status, actor=user, risk=risk, status=Risk.Status.OPEN,
                      reason="Acceptance withdrawn for review")
        elif action == "re-rate":
            likelihood, impact = RISK_RATINGS[rating]
            self.call("risk_update", risk_update, actor=user, risk=risk, residual_likelihood=likelihood,
                      residual_impact=impact, reason="Re-rated after the pilot")
        else:
            self.call("risk_accept", risk_accept, actor=user, risk=risk, reason="Within our appetite for this contract")

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
        self.count("memos approved")
        event("a memo was approved")
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
            if risk.status != "accepted":
                self.count("approved over a residual-risk waiver")
                event("a memo was approved over a residual-risk waiver")
        if not dd.complete:
            self.count("approved over a due-diligence waiver")
            event("a memo was approved over a due-diligence waiver")

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
              f"({done} done, {refused} refused), {STATS['memos submitted']} memos submitted (at build or by a "
              f"step), {STATS['memos approved']} approved, {STATS['final sign-offs refused by the gate']} final "
              f"sign-offs refused by the approval gate, {STATS['records recomputed']} decision records recomputed")
        for key in sorted(STATS):
            print(f"  {key}: {STATS[key]}")


# Hypothesis marks its own stateful runners so (runTest of RuleBasedStateMachine.TestCase); marking this one too lets
# --hypothesis-show-statistics report the events above.
test_award_procedures_survive_random_service_calls_by_random_people.is_hypothesis_test = True
