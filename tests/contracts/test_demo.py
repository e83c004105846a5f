import io

import pytest

from contracts import demo
from contracts.models import Contract
from procurement.accounts.roles import Role
from tests.factories.contracts import submitted_bid

pytestmark = pytest.mark.django_db


def test_demo_opens_one_contract_and_is_idempotent(make_user):
    users = {name: make_user(role) for name, role in [
        ("lead", Role.PROCUREMENT_LEAD), ("manager", Role.POST_AWARD_MANAGER), ("owner", Role.BUSINESS_OWNER)]}
    bid = submitted_bid(procedure__title=demo.PROCEDURE_TITLE)
    demo.seed(users=users, stdout=io.StringIO())
    demo.seed(users=users, stdout=io.StringIO())
    contract = Contract.objects.get()
    assert contract.bid == bid and contract.kickoff.is_held
    assert {p.status for p in contract.clauses.all()} >= {"agreed", "open"}
    assert contract.scenarios.count() == 3 and contract.issues.count() == 1
