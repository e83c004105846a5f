"""Every vendors view against the owner, an involved reader, an unrelated user, an auditor and anonymous.

Unseen → 404, seen but forbidden → 403, anonymous → login; a refused request changes nothing.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from procurement.accounts.roles import Role
from procurement.audit.history import baton_models, is_tracked
from tests.factories.vendors import EvidenceFactory, RiskFactory
from vendors.models import Subprocessor, Vendor, VendorContact
from vendors.services import vendor_grant_view

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(lead, make_user):
    from tests.factories.vendors import VendorFactory

    vendor = VendorFactory(owner=lead)
    reader = make_user(Role.BUSINESS_OWNER)
    grant = vendor_grant_view(actor=lead, vendor=vendor, user=reader)
    return {
        "vendor": vendor, "reader": reader, "grant": grant,
        "evidence": EvidenceFactory(vendor=vendor),
        "risk": RiskFactory(vendor=vendor),
        "contact": VendorContact.objects.create(vendor=vendor, name="Dana Reyes", role="Account manager"),
        "sub": Subprocessor.objects.create(vendor=vendor, name="CloudCo", purpose="Hosting", location="EU"),
    }


def history_rows() -> int:
    return sum(m.history.count() for m in baton_models() if m._meta.app_label == "vendors" and is_tracked(m))


READ, WRITE = "read", "write"
# (method, url name, kwargs builder, kind, POST data)
VIEWS = [
    ("get", "vendors:detail", lambda w: [w["vendor"].pk], READ, None),
    ("get", "vendors:evidence_download", lambda w: [w["vendor"].pk, w["evidence"].pk], READ, None),
    ("get", "vendors:edit", lambda w: [w["vendor"].pk], WRITE, None),
    ("get", "vendors:tiering", lambda w: [w["vendor"].pk], WRITE, None),
    ("get", "vendors:tier_override", lambda w: [w["vendor"].pk], WRITE, None),
    ("get", "vendors:evidence_upload", lambda w: [w["vendor"].pk], WRITE, None),
    ("get", "vendors:evidence_review", lambda w: [w["vendor"].pk, w["evidence"].pk], WRITE, None),
    ("get", "vendors:attestation_create", lambda w: [w["vendor"].pk], WRITE, None),
    ("get", "vendors:risk_create", lambda w: [w["vendor"].pk], WRITE, None),
    ("get", "vendors:risk_edit", lambda w: [w["vendor"].pk, w["risk"].pk], WRITE, None),
    ("post", "vendors:status", lambda w: [w["vendor"].pk, "active"], WRITE, {"reason": "Contract signed"}),
    ("post", "vendors:risk_status", lambda w: [w["vendor"].pk, w["risk"].pk, "mitigating"], WRITE,
     {"reason": "Plan agreed"}),
    ("post", "vendors:risk_accept", lambda w: [w["vendor"].pk, w["risk"].pk], WRITE, {"reason": "Low and tolerable"}),
    ("post", "vendors:contact_add", lambda w: [w["vendor"].pk], WRITE,
     {"contact-name": "Sam Ortiz", "contact-role": "CISO", "contact-email": "", "contact-phone": ""}),
    ("post", "vendors:contact_remove", lambda w: [w["vendor"].pk, w["contact"].pk], WRITE, {}),
    ("post", "vendors:subprocessor_add", lambda w: [w["vendor"].pk], WRITE,
     {"sub-name": "GPU Hosting", "sub-purpose": "Inference", "sub-location": "US"}),
    ("post", "vendors:subprocessor_remove", lambda w: [w["vendor"].pk, w["sub"].pk], WRITE, {}),
    ("post", "vendors:access_grant", lambda w: [w["vendor"].pk], WRITE, {"grant-username": "nobody-such"}),
    ("post", "vendors:access_revoke", lambda w: [w["vendor"].pk, w["grant"].pk], WRITE, {}),
]
IDS = [v[1].split(":")[1] for v in VIEWS]


def call(client, world, method, name, args, data):
    url = reverse(name, args=args(world))
    return client.post(url, data) if method == "post" else client.get(url)


@pytest.mark.parametrize(("method", "name", "args", "kind", "data"), VIEWS, ids=IDS)
def test_anonymous_is_sent_to_sign_in(client, world, method, name, args, kind, data):
    before = history_rows()

    response = call(client, world, method, name, args, data)

    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert history_rows() == before


@pytest.mark.parametrize(("method", "name", "args", "kind", "data"), VIEWS, ids=IDS)
def test_unrelated_user_gets_404(client, world, make_user, method, name, args, kind, data):
    client.force_login(make_user(Role.EVALUATOR))
    before = history_rows()

    assert call(client, world, method, name, args, data).status_code == 404
    assert history_rows() == before


@pytest.mark.parametrize(("method", "name", "args", "kind", "data"), VIEWS, ids=IDS)
def test_auditor_reads_but_cannot_write(client, world, auditor, method, name, args, kind, data):
    client.force_login(auditor)
    before = history_rows()

    response = call(client, world, method, name, args, data)

    assert response.status_code == (200 if kind == READ else 403)
    assert history_rows() == before


@pytest.mark.parametrize(("method", "name", "args", "kind", "data"), VIEWS, ids=IDS)
def test_granted_reader_reads_but_cannot_write(client, world, method, name, args, kind, data):
    client.force_login(world["reader"])
    before = history_rows()

    response = call(client, world, method, name, args, data)

    assert response.status_code == (200 if kind == READ else 403)
    assert history_rows() == before


@pytest.mark.parametrize(("method", "name", "args", "kind", "data"), VIEWS, ids=IDS)
def test_owner_may_do_everything(client, world, lead, method, name, args, kind, data):
    client.force_login(lead)
    before = history_rows()

    response = call(client, world, method, name, args, data)

    if method == "get":
        assert response.status_code == 200
        assert history_rows() == before
    elif name == "vendors:access_grant":  # an unknown username is a form error, not a change
        assert response.status_code == 400 and b"No active user has that username" in response.content
        assert history_rows() == before
    else:
        assert response.status_code == 302
        assert history_rows() > before


def test_inactive_user_sees_nothing(client, world):
    reader = world["reader"]
    reader.is_active = False
    reader.save()
    client.force_login(reader)  # a session made before deactivation

    response = client.get(world["vendor"].get_absolute_url())

    # the session no longer signs anyone in: to the sign-in page, like any anonymous visitor
    assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_another_procurement_lead_sees_and_edits_the_registry(client, world, other_lead):
    client.force_login(other_lead)

    assert client.get(world["vendor"].get_absolute_url()).status_code == 200
    assert client.get(reverse("vendors:edit", args=[world["vendor"].pk])).status_code == 200


def test_risk_owner_sees_the_vendor_of_their_risk(client, world):
    client.force_login(world["risk"].owner)

    assert client.get(world["vendor"].get_absolute_url()).status_code == 200
    assert client.get(reverse("vendors:edit", args=[world["vendor"].pk])).status_code == 403


@pytest.mark.parametrize("name", ["vendors:create", "vendors:import"])
def test_only_procurement_leads_create_and_import(client, world, lead, auditor, make_user, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    for user, status in ((lead, 200), (auditor, 403), (make_user(Role.EVALUATOR), 403), (world["reader"], 403)):
        client.force_login(user)
        assert client.get(url).status_code == status


def test_list_shows_only_what_the_user_may_see(client, world, auditor, make_user):
    from tests.factories.vendors import VendorFactory

    hidden = VendorFactory(legal_name="Hidden Co")
    url = reverse("vendors:list")
    assert client.get(url).status_code == 302

    client.force_login(world["reader"])
    names = [v.pk for v in client.get(url).context["page_obj"]]
    assert names == [world["vendor"].pk]

    client.force_login(make_user())
    assert list(client.get(url).context["page_obj"]) == []

    client.force_login(auditor)
    assert {v.pk for v in client.get(url).context["page_obj"]} == {world["vendor"].pk, hidden.pk}


def test_owner_create_edit_round_trip(client, lead):
    client.force_login(lead)
    response = client.post(reverse("vendors:create"), {
        "legal_name": "Lumen Labs Inc", "trading_name": "Lumen", "website": "https://lumen.example",
        "country": "us", "offering_type": "foundation_model_api", "ai_act_role": "gpai_provider",
        "data_categories": ["personal", "customer_content"], "description": "LLM API", "owner": lead.pk})
    vendor = Vendor.objects.get(legal_name="Lumen Labs Inc")
    assert response.status_code == 302 and response.url == vendor.get_absolute_url()
    assert vendor.country == "US" and vendor.data_categories == ["personal", "customer_content"]
    assert vendor.history.get().history_user == lead

    duplicate = client.post(reverse("vendors:create"), {
        "legal_name": "Lumen Labs Inc", "country": "US", "offering_type": "ai_saas", "ai_act_role": "provider",
        "owner": lead.pk})
    assert duplicate.status_code == 400
    assert b"already exists" in duplicate.content and Vendor.objects.count() == 1

    client.post(reverse("vendors:edit", args=[vendor.pk]), {
        "legal_name": "Lumen Labs Inc", "trading_name": "Lumen AI", "country": "US",
        "offering_type": "foundation_model_api", "ai_act_role": "gpai_provider", "owner": lead.pk})
    vendor.refresh_from_db()
    assert vendor.trading_name == "Lumen AI" and vendor.status == "prospect"
    assert vendor.history.count() == 2


@pytest.mark.parametrize("query", ["?as_of=2026-02-31", "?as_of=yesterday", "?as_of=", "?as_of=9999-99-99"])
def test_an_unreadable_as_of_date_falls_back_to_today(client, world, lead, query):
    client.force_login(lead)

    response = client.get(world["vendor"].get_absolute_url() + query)

    assert response.status_code == 200
    assert response.context["as_of"] == response.context["today"]


@pytest.mark.parametrize("replaces", ["abc", "999999", "1 OR 1=1"])
def test_a_bad_replaces_parameter_is_404_not_500(client, world, lead, replaces):
    client.force_login(lead)

    response = client.get(reverse("vendors:evidence_upload", args=[world["vendor"].pk]), {"replaces": replaces})

    assert response.status_code == 404


def test_evidence_of_another_vendor_is_not_reachable_through_this_vendor(client, world, lead):
    other = EvidenceFactory()
    client.force_login(lead)

    response = client.get(reverse("vendors:evidence_download", args=[world["vendor"].pk, other.pk]))

    assert response.status_code == 404


def test_a_group_grant_gives_read_access(client, world, make_user):
    from django.contrib.auth.models import Group, Permission

    from vendors.models import VendorGroupObjectPermission

    member = make_user(Role.EVALUATOR)
    group = Group.objects.create(name="Support evaluation panel")
    member.groups.add(group)
    client.force_login(member)
    assert client.get(world["vendor"].get_absolute_url()).status_code == 404

    VendorGroupObjectPermission.objects.create(
        group=group, content_object=world["vendor"],
        permission=Permission.objects.get(content_type__app_label="vendors", codename="view_vendor"))

    assert client.get(world["vendor"].get_absolute_url()).status_code == 200
    assert client.get(reverse("vendors:edit", args=[world["vendor"].pk])).status_code == 403
