"""Two approvers completing quorum at the same moment on PostgreSQL: the memo is approved exactly once."""

import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connections

from awards import services
from awards.models import AwardProcedure, Bid, DecisionMemo, SignOff
from awards.models.procedure import Stage
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_approvers_completing_quorum_at_once_approve_once():
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    members = [UserFactory(roles=[Role.COMMITTEE_APPROVER]) for _ in range(3)]
    committee(PM, *members, quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, value=Decimal("50000"))  # procurement manager only
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    services.signoff_record(actor=members[0], memo=memo, decision="approve", password=TEST_PASSWORD)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(person):
        try:
            barrier.wait()
            services.signoff_record(actor=person, memo=memo, decision="approve", password=TEST_PASSWORD)
            outcomes.append("signed")
        except DomainError as exc:
            outcomes.append(f"refused: {exc}")
        finally:
            connections.close_all()

    with mock.patch("procurement.documents.services.enqueue_render"):  # no worker needed for this race
        threads = [threading.Thread(target=sign, args=(person,)) for person in members[1:]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    memo = DecisionMemo.objects.get(pk=memo.pk)
    assert memo.is_approved
    assert sorted(o.split(":")[0] for o in outcomes) == ["refused", "signed"]
    assert SignOff.objects.filter(route__memo=memo).count() == 2
    approvals = [h for h in memo.history.order_by("history_date") if h.status == DecisionMemo.Status.APPROVED]
    assert len(approvals) == 1
    procedure = AwardProcedure.objects.get(pk=shortlist.procedure.pk)
    assert procedure.stage == Stage.AWARDED
    assert [h.stage for h in procedure.history.all()].count(Stage.AWARDED) == 1
    assert Bid.objects.filter(procedure=procedure, status=Bid.Status.AWARDED).count() == 1
    assert [h.status for h in Bid.objects.get(pk=shortlist.bids[0].pk).history.all()].count("awarded") == 1
