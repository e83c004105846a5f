"""Global search: vendors, procedures, memos and contracts — only what the person may open."""

import pytest
from django.urls import reverse

from procurement.accounts.roles import Role
from procurement.search import search
from tests.factories.contracts import open_contract
from tests.factories.vendors import VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    """A contract (from an approved memo, on an awarded procedure, with a vendor) run by a lead and a manager."""
    lead, manager = make_user(Role.PROCUREMENT_LEAD), make_user(Role.POST_AWARD_MANAGER)
    contract = open_contract(lead=lead, manager=manager, title="Zephyr translation API")
    return {"lead": lead, "manager": manager, "contract": contract, "memo": contract.memo,
            "procedure": contract.procedure, "vendor": contract.vendor}


def _kinds(hits):
    return sorted(h.kind for h in hits)


def test_lead_finds_every_kind_of_record(world):
    ref = world["procedure"].reference
    assert "Award procedure" in _kinds(search(world["lead"], ref))
    assert "Decision memo" in _kinds(search(world["lead"], ref))
    assert [h.reference for h in search(world["lead"], "zephyr")] == [world["contract"].reference]
    assert [h.title for h in search(world["lead"], world["vendor"].legal_name, "vendors")] == [str(world["vendor"])]


def test_an_outsider_finds_nothing_they_cannot_open(world, make_user, client):
    outsider = make_user(Role.EVALUATOR)  # holds a role, but is on none of these records
    for term in (world["procedure"].reference, "zephyr", world["vendor"].legal_name, world["contract"].reference):
        assert search(outsider, term) == [], term
    client.force_login(outsider)
    page = client.get(reverse("search"), {"q": "zephyr"})
    assert world["contract"].reference not in page.content.decode()
    assert page.context["page_obj"].paginator.count == 0


def test_the_post_award_manager_finds_their_contract_but_not_other_vendors(world):
    other = VendorFactory(legal_name="Zephyr Other Models Ltd")
    hits = search(world["manager"], "zephyr")
    assert [h.reference for h in hits if h.kind == "Contract"] == [world["contract"].reference]
    assert other.legal_name not in [h.title for h in hits] and str(other) not in [h.title for h in hits]


def test_inactive_people_find_nothing_and_every_term_must_match(world, auditor):
    assert search(auditor, "zephyr translation") and not search(auditor, "zephyr nonexistentword")
    auditor.is_active = False
    assert search(auditor, "zephyr") == []


def test_search_page_paginates_validates_and_bounds_its_queries(client, make_user, django_assert_max_num_queries):
    lead = make_user(Role.PROCUREMENT_LEAD)
    for n in range(25):
        VendorFactory(legal_name=f"Acme Models {n:02d} Ltd")
    client.force_login(lead)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("search"), {"q": "acme"})
    assert page.context["page_obj"].paginator.count == 25 and len(page.context["page_obj"]) == 20
    second = client.get(reverse("search"), {"q": "acme", "page": 2})
    assert len(second.context["page_obj"]) == 5
    too_short = client.get(reverse("search"), {"q": "a"})
    assert too_short.status_code == 200 and too_short.context["form"].errors["q"]
    assert 'role="search"' in too_short.content.decode()  # the header box is on every page
