"""The whole relay in the demo: procedure 1 stays in evaluation; procedure 2 is awarded from an approved memo whose
sign-offs carry the memo's content hash, with debriefs; the contract opens from that memo; seeding twice is a
no-op."""

import io

import pytest

from awards import demo
from awards.demo import journey as demo_journey
from awards.models import AwardProcedure, Bid, Debrief, DecisionMemo, SignOff
from awards.models.procedure import Stage
from contracts import demo as contracts_demo
from contracts.models import Contract
from procurement import demo as users_demo

pytestmark = pytest.mark.django_db


def _seed(out):
    users = users_demo.seed(out)
    from vendors import demo as vendors_demo

    vendors_demo.seed(users=users, stdout=out)
    demo.seed(users=users, stdout=out)
    contracts_demo.seed(users=users, stdout=out)
    return users


def _counts():
    return {model.__name__: model.objects.count() for model in (AwardProcedure, Bid, DecisionMemo, SignOff, Debrief,
                                                                Contract)} | {
        "history": sum(m.history.count() for m in (AwardProcedure, Bid, DecisionMemo, Contract))}


def test_the_demo_tells_the_whole_relay_once():
    out = io.StringIO()
    users = _seed(out)

    first = AwardProcedure.objects.get(title=demo.TITLE)
    assert first.stage == Stage.EVALUATION and not DecisionMemo.objects.filter(procedure=first).exists()
    second = AwardProcedure.objects.get(title=demo_journey.TITLE)
    assert second.stage == Stage.AWARDED and second.bids.count() == 3
    memo = DecisionMemo.objects.get(procedure=second)
    assert memo.is_approved and memo.author == users["lead"] and memo.content_hash
    assert memo.approved_version.content_hash == memo.content_hash
    signoffs = list(SignOff.objects.filter(route__memo=memo))
    assert signoffs and {s.decision for s in signoffs} == {"approve"}
    assert {s.content_hash for s in signoffs} == {memo.content_hash}
    # One signature counts for one committee: five different people fill the procurement manager's seat and the
    # quorums of two of the risk and executive committees (the winner is a critical-tier vendor).
    assert {(s.step.committee.key, s.signer.username) for s in signoffs} == {
        ("procurement-manager", "approver3"), ("risk-committee", "approver"), ("risk-committee", "approver2"),
        ("executive-committee", "approver4"), ("executive-committee", "approver5")}
    # The one due-diligence gap left at the award is carried by a waiver the memo shows and the signers signed.
    waiver = second.waivers.get()
    assert waiver.kind == "due_diligence" and waiver.recorded_by == users["approver"]
    assert "Independent technical evaluation" in waiver.subject
    assert [w["reason"] for w in memo.approved_version.content["waivers"]] == [waiver.reason]
    winner = memo.recommended_bid
    assert winner.status == Bid.Status.AWARDED
    losers = second.bids.exclude(pk=winner.pk)
    assert {b.status for b in losers} <= {Bid.Status.UNSUCCESSFUL, Bid.Status.KNOCKED_OUT}
    assert Debrief.objects.filter(memo=memo).count() == losers.count() == 2

    contract = Contract.objects.get()
    assert contract.memo == memo and contract.bid == winner and contract.procedure == second
    assert contract.value == memo.contract_value and contract.kickoff.is_held
    assert contract.post_award_manager == users["manager"]

    before = _counts()
    _seed(io.StringIO())  # the second run changes nothing and does not fail
    assert _counts() == before
    assert "Awarded procedure demo stopped" not in out.getvalue()
