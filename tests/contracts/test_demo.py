import io

import pytest

from contracts import demo
from contracts.models import Contract
from procurement.accounts.roles import Role
from tests.factories.contracts import approved_memo
from tests.factories.memos import memo_for_award

pytestmark = pytest.mark.django_db


def _users(make_user):
    return {name: make_user(role) for name, role in [
        ("lead", Role.PROCUREMENT_LEAD), ("manager", Role.POST_AWARD_MANAGER), ("owner", Role.BUSINESS_OWNER)]}


def test_demo_opens_one_contract_from_the_approved_memo_and_is_idempotent(make_user):
    users = _users(make_user)
    memo = approved_memo(procedure__title=demo.PROCEDURE_TITLE)
    demo.seed(users=users, stdout=io.StringIO())
    demo.seed(users=users, stdout=io.StringIO())
    contract = Contract.objects.get()
    assert contract.memo == memo and contract.bid == memo.recommended_bid and contract.kickoff.is_held
    assert contract.value == memo.contract_value
    assert {p.status for p in contract.clauses.all()} >= {"agreed", "open"}
    assert contract.scenarios.count() == 3 and contract.issues.count() == 1


@pytest.mark.parametrize("status", ["draft", "in_approval", "rejected"])
def test_demo_opens_nothing_without_an_approved_memo(make_user, status):
    memo_for_award(status=status, procedure__title=demo.PROCEDURE_TITLE)
    out = io.StringIO()
    demo.seed(users=_users(make_user), stdout=out)
    assert not Contract.objects.exists()
    assert "no approved decision memo" in out.getvalue()


def test_demo_contract_shows_post_award_data_once(make_user):
    users = _users(make_user)
    approved_memo(procedure__title=demo.PROCEDURE_TITLE)
    demo.seed(users=users, stdout=io.StringIO())
    demo.seed(users=users, stdout=io.StringIO())
    contract = Contract.objects.get()
    assert contract.kpis.count() == 2 and contract.invoices.count() == 2
    assert contract.milestones.filter(status="accepted").count() == 1
    assert contract.change_orders.count() == 1 and contract.checkins.count() == 1 and contract.incidents.count() == 1
    from django.utils import timezone

    from contracts.alerts import alerts_for

    alerts = alerts_for([contract], on=timezone.localdate(), user=users["manager"])[contract.pk]
    assert alerts.kpi_breaches and alerts.late_invoices
