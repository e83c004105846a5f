"""Read endpoints: the same 404/403 answers as the pages, pagination, filters, ETag/304, problem+json, and query
counts that do not grow with the size of a list."""

from __future__ import annotations

import pytest

from procurement.accounts.roles import Role
from tests.api.conftest import Api, token_for
from tests.factories.accounts import UserFactory
from tests.factories.vendors import VendorFactory

pytestmark = pytest.mark.django_db


def as_(user, scope="read") -> Api:
    return Api(token_for(user, scope))


def stranger(role) -> object:
    return UserFactory(roles=[role])


def test_vendors_are_listed_paginated_filtered_and_ordered(world):
    lead = as_(world.lead)
    VendorFactory(legal_name="Zeta Low Ltd", tier="low")
    VendorFactory(legal_name="Aardvark Low Ltd", tier="low")

    everything = lead.get("vendors/", limit=100).json()
    low = lead.get("vendors/", tier="low", limit=1, offset=1).json()

    names = [v["legal_name"] for v in everything["items"]]
    assert names == sorted(names) and everything["count"] == len(names) >= 5
    all_low = sorted(v["legal_name"] for v in everything["items"] if v["tier"] == "low")
    assert low["count"] == len(all_low) and low["limit"] == 1 and low["offset"] == 1
    assert [v["legal_name"] for v in low["items"]] == [all_low[1]]
    vendor = next(v for v in everything["items"] if v["id"] == world.vendor.pk)
    assert set(vendor["due_diligence"]) == {"as_of", "complete", "gaps", "satisfied"}


def test_a_vendor_is_404_to_someone_the_pages_refuse_and_readable_by_the_people_who_see_it(world):
    url = f"vendors/{world.vendor.pk}"
    for person in (stranger(Role.EVALUATOR), stranger(Role.POST_AWARD_MANAGER), stranger(Role.BUSINESS_OWNER)):
        response = as_(person).get(url)
        assert response.status_code == 404 and response.json()["detail"] == "No such record."
    for person in (world.lead, stranger(Role.PROCUREMENT_LEAD), world.auditor):
        body = as_(person).get(url).json()
        assert body["id"] == world.vendor.pk and [e["id"] for e in body["evidence"]] == [world.evidence.pk]
    assert as_(world.lead).get("vendors/999999").status_code == 404
    assert as_(world.lead).get("vendors/not-a-number").status_code == 422


def test_etag_and_if_none_match_answer_304_until_the_data_changes(world):
    lead = as_(world.lead)
    for path in (f"vendors/{world.vendor.pk}", "vendors/", f"procedures/{world.procedure.reference}",
                 "contracts/", f"contracts/{world.live.reference}"):
        first = lead.get(path)
        etag = first["ETag"]
        assert first.status_code == 200 and etag.startswith('"')
        again = lead.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
        assert lead.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200

    before = lead.get(f"vendors/{world.vendor.pk}")["ETag"]
    from vendors import services
    services.vendor_update(actor=world.lead, vendor=world.vendor, description="Changed for the ETag test")
    changed = lead.get(f"vendors/{world.vendor.pk}", headers={"If-None-Match": before})
    assert changed.status_code == 200 and changed["ETag"] != before


def test_procedure_results_follow_the_results_page(world):
    path = f"procedures/{world.procedure.reference}/results"
    ok = as_(world.owner).get(path)
    assert ok.status_code == 200 and ok.json()["ranking"][0]["bid_id"] == world.shortlist.bids[0].pk
    assert as_(world.auditor).get(path).status_code == 200
    other_lead = as_(stranger(Role.PROCUREMENT_LEAD))
    assert other_lead.get(f"procedures/{world.procedure.reference}").json()["results_available"] is False
    refused = other_lead.get(path)
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert as_(world.evaluator).get(path).status_code == 403  # evaluators never see the ranking
    assert as_(stranger(Role.EVALUATOR)).get(path).status_code == 404


def test_an_evaluator_sees_only_the_bids_they_may_open(world):
    from awards.policies import bid_policy

    evaluator = world.evaluator
    detail = as_(evaluator).get(f"procedures/{world.procedure.reference}").json()
    visible = set(bid_policy.visible(evaluator).filter(procedure=world.procedure).values_list("pk", flat=True))
    assert {b["id"] for b in detail["bids"]} == visible
    listed = as_(evaluator).get(f"procedures/{world.procedure.reference}/bids").json()
    assert {b["id"] for b in listed["items"]} == visible
    assert as_(stranger(Role.EVALUATOR)).get("procedures/").json()["count"] == 0


def test_memos_and_signoffs(world):
    path = f"memos/{world.approved_procedure.reference}"
    body = as_(world.owner).get(path).json()
    assert body["status"] == "approved" and body["signoffs"]
    assert all(s["content_hash"] == body["content_hash"] for s in body["signoffs"] if s["decision"] == "approve")
    assert as_(stranger(Role.COMMITTEE_APPROVER)).get(path).status_code == 404
    refs = [m["reference"] for m in as_(world.approver).get("memos/").json()["items"]]
    assert world.procedure.reference in refs  # routed to their committee


def test_contracts_obligations_kpis_and_the_handoff_data(world):
    manager = as_(world.manager)
    detail = manager.get(f"contracts/{world.live.reference}").json()
    assert [k["id"] for k in detail["kpis"]] == [world.kpi.pk]
    assert world.milestone.pk in [m["id"] for m in detail["milestones"]]
    pack = manager.get(f"contracts/{world.live.reference}/handoff").json()
    assert pack["reference"] == world.live.reference and {"obligations", "milestones", "team"} <= set(pack)
    for person in (stranger(Role.POST_AWARD_MANAGER), stranger(Role.EVALUATOR), stranger(Role.BUSINESS_OWNER)):
        for path in (f"contracts/{world.live.reference}", f"contracts/{world.live.reference}/handoff",
                     f"contracts/{world.live.reference}/kpis/{world.kpi.pk}/measurements"):
            assert as_(person).get(path).status_code == 404, (person, path)
    assert as_(stranger(Role.POST_AWARD_MANAGER)).get("contracts/").json()["count"] == 0


def test_the_audit_trail_is_for_auditors(world):
    auditor = as_(world.auditor)
    page = auditor.get("audit/", limit=5).json()
    older = auditor.get("audit/", limit=5, older_than=page["older"]).json()
    ten = auditor.get("audit/", limit=10).json()
    assert len(page["items"]) == 5 and page["items"] + older["items"] == ten["items"]
    refused = as_(world.lead).get("audit/")
    assert refused.status_code == 403 and "auditors" in refused.json()["detail"]


def test_validation_errors_are_problems_with_fields(world):
    response = as_(world.lead).get("vendors/", limit=0, offset=-1)
    body = response.json()
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in body["errors"]} == {"limit", "offset"}


@pytest.mark.parametrize("path, size", [("vendors/", 12), ("procedures/", 4), ("contracts/", 4), ("memos/", 4)])
def test_list_queries_do_not_grow_with_the_page(world, path, size, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    auditor = as_(world.auditor)
    with CaptureQueriesContext(connection) as small:
        assert auditor.get(path, limit=1).status_code == 200
    if path == "vendors/":
        for index in range(size):
            VendorFactory(legal_name=f"Bulk {index:02d} Ltd")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = auditor.get(path, limit=100).json()
    assert len(body["items"]) >= (size if path == "vendors/" else 1)


def test_characters_the_database_cannot_store_are_a_422_not_a_500(world):
    from vendors.models import Vendor

    lead = Api(token_for(world.lead, "write"))
    assert lead.get("procedures/", q="a\x00b").status_code == 422
    assert lead.get(f"procedures/{world.procedure.reference}%00").status_code in (404, 422)
    body = '{"legal_name": "Nul\\u0000 Ltd", "country": "DE", "offering_type": "ai_saas", "ai_act_role": "provider"}'
    refused = lead.post("vendors/", body)
    assert refused.status_code == 422 and "cannot store" in refused.json()["detail"]
    lone = lead.post("vendors/", body.replace("\\u0000", "\\ud800"))
    assert lone.status_code == 422
    assert not Vendor.objects.filter(legal_name__startswith="Nul").exists()
