"""The decision-memo demo: approvers join the committees (idempotent); a draft memo once at the shortlist."""

import io
from decimal import Decimal

import pytest

from awards.demo import memo as demo_memo
from awards.models import Committee, DecisionMemo
from procurement import demo as users_demo
from tests.factories.memos import shortlisted_procedure

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_committees_and_drafts_a_memo_at_the_shortlist(monkeypatch):
    out = io.StringIO()
    users = users_demo.seed(out)
    demo_memo.seed(users=users, stdout=out)
    demo_memo.seed(users=users, stdout=out)

    risk = Committee.objects.get(key="risk-committee")
    assert set(risk.members.values_list("username", flat=True)) == {"approver", "approver2"}
    assert "committees ready" in out.getvalue()

    shortlist = shortlisted_procedure(lead=users["lead"], business_owner=users["owner"], value=Decimal("300000"))
    monkeypatch.setattr("awards.demo.TITLE", shortlist.procedure.title)
    demo_memo.seed(users=users, stdout=out)

    memo = DecisionMemo.objects.get(procedure=shortlist.procedure)
    assert memo.status == DecisionMemo.Status.DRAFT
    assert memo.recommended_bid == shortlist.bids[0] and memo.key_clauses
