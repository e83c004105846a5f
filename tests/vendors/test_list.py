"""The vendor list: filters, search, sorting, pagination and a query count that does not grow with rows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories.vendors import AttestationFactory, EvidenceFactory, RiskFactory, VendorFactory
from vendors.models import OfferingType, Vendor

pytestmark = pytest.mark.django_db


def make_vendors(n, owner):
    vendors = []
    for i in range(n):
        vendor = VendorFactory(owner=owner, tier=["critical", "high", "medium", "low"][i % 4])
        EvidenceFactory(vendor=vendor)
        EvidenceFactory(vendor=vendor)
        AttestationFactory(vendor=vendor)
        RiskFactory(vendor=vendor)
        vendors.append(vendor)
    return vendors


def count_queries(client, url, django_assert_max_num_queries, limit=12):
    client.get(url)  # warm the per-process caches (content types) so both sizes are measured alike
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/vendors/", "/vendors/?tier=high&attestation=valid&sort=-name"])
def test_list_query_count_does_not_grow_with_vendors(client, lead, auditor, django_assert_max_num_queries, url):
    make_vendors(2, lead)
    client.force_login(auditor)
    small = count_queries(client, url, django_assert_max_num_queries)

    make_vendors(20, lead)
    large = count_queries(client, url, django_assert_max_num_queries)

    assert large == small


def test_detail_query_count_does_not_grow_with_its_records(client, lead, django_assert_max_num_queries):
    vendor = VendorFactory(owner=lead)
    EvidenceFactory(vendor=vendor)
    RiskFactory(vendor=vendor)
    AttestationFactory(vendor=vendor)
    client.force_login(lead)
    small = count_queries(client, vendor.get_absolute_url(), django_assert_max_num_queries, limit=25)

    for _ in range(8):
        EvidenceFactory(vendor=vendor)
        RiskFactory(vendor=vendor)
        AttestationFactory(vendor=vendor)
    large = count_queries(client, vendor.get_absolute_url(), django_assert_max_num_queries, limit=25)

    assert large == small


def names(response):
    return [v.legal_name for v in response.context["page_obj"]]


def test_filters_and_search(client, lead):
    today = timezone.localdate()
    acme = VendorFactory(owner=lead, legal_name="Acme Models Ltd", tier="critical",
                         offering_type=OfferingType.FOUNDATION_MODEL_API)
    bolt = VendorFactory(owner=lead, legal_name="Bolt Infra GmbH", tier="low", status=Vendor.Status.ACTIVE,
                         offering_type=OfferingType.AI_INFRASTRUCTURE, country="DE")
    VendorFactory(owner=lead, legal_name="Cora Consulting", tier="")
    AttestationFactory(vendor=acme, issued_on=today - timedelta(days=400), expires_on=today - timedelta(days=1))
    AttestationFactory(vendor=bolt, issued_on=today - timedelta(days=300), expires_on=today + timedelta(days=10))
    client.force_login(lead)

    assert names(client.get("/vendors/?q=bolt")) == ["Bolt Infra GmbH"]
    assert names(client.get("/vendors/?q=MODELS")) == ["Acme Models Ltd"]
    assert names(client.get("/vendors/?tier=critical")) == ["Acme Models Ltd"]
    assert names(client.get("/vendors/?tier=untiered")) == ["Cora Consulting"]
    assert names(client.get("/vendors/?status=active")) == ["Bolt Infra GmbH"]
    assert names(client.get("/vendors/?offering_type=foundation_model_api")) == ["Acme Models Ltd"]
    assert names(client.get("/vendors/?attestation=expired")) == ["Acme Models Ltd"]
    assert names(client.get("/vendors/?attestation=expiring")) == ["Bolt Infra GmbH"]
    assert names(client.get("/vendors/?attestation=none")) == ["Cora Consulting"]
    assert names(client.get("/vendors/?sort=-name")) == ["Cora Consulting", "Bolt Infra GmbH", "Acme Models Ltd"]
    assert names(client.get("/vendors/?tier=nonsense")) == ["Acme Models Ltd", "Bolt Infra GmbH", "Cora Consulting"]


def test_list_paginates(client, lead):
    for _ in range(27):
        VendorFactory(owner=lead)
    client.force_login(lead)

    first, second = client.get("/vendors/"), client.get("/vendors/?page=2")

    assert len(first.context["page_obj"]) == 25 and len(second.context["page_obj"]) == 2
    assert b"Page 1 of 2" in first.content


def test_list_shows_due_diligence_state(client, lead):
    VendorFactory(owner=lead, tier="low")
    client.force_login(lead)

    page = client.get(reverse("vendors:list")).content.decode()

    assert "2 gaps" in page
