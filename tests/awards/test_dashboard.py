import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from awards import services
from awards.dashboard import panels
from procurement.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_panels_show_each_person_their_own_work(procedure, lead, business_owner, make_user, make_vendor):
    services.requirement_add(actor=lead, procedure=procedure, title="Accuracy", priority="must")
    evaluator = make_user(Role.EVALUATOR)
    services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
    services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor())

    assert [(p["title"], p["count"]) for p in panels(lead)] == [("Award procedures you run", 1)]
    assert [(p["title"], p["count"]) for p in panels(business_owner)] == [("Requirements awaiting your agreement", 1)]
    assert [(p["title"], p["count"]) for p in panels(evaluator)] == [("Conflict declarations you owe", 1)]
    assert panels(make_user()) == []


def test_panels_cost_one_query_per_role(lead):
    lead._baton_roles = frozenset({Role.PROCUREMENT_LEAD})
    with CaptureQueriesContext(connection) as ctx:
        panels(lead)
    assert len(ctx.captured_queries) == 1


def test_home_shows_the_panel(client, procedure, lead):
    client.force_login(lead)

    html = client.get("/").content.decode()

    assert "Award procedures you run" in html and procedure.reference in html
