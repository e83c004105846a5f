"""Vendor registry services: validation, transitions, grants and the audit trail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from procurement.accounts.roles import Role
from procurement.exceptions import InvalidTransition
from vendors.models import Subprocessor, Vendor, VendorContact, VendorUserObjectPermission
from vendors.policies import vendor_policy
from vendors.services import (
    attestation_record,
    contact_add,
    contact_remove,
    subprocessor_add,
    vendor_create,
    vendor_grant_view,
    vendor_revoke_view,
    vendor_set_status,
    vendor_update,
)

pytestmark = pytest.mark.django_db


def create(actor, **kwargs):
    params = {"legal_name": "Quill Analytics SAS", "country": "fr", "offering_type": "ai_saas",
              "ai_act_role": "provider", "data_categories": ["personal"]} | kwargs
    return vendor_create(actor=actor, **params)


@pytest.mark.parametrize("country", ["3²", "XX", "", "IRL"])
def test_a_country_that_is_not_one_is_refused_at_its_field_on_create_and_on_edit(lead, country):
    with pytest.raises(ValidationError) as refused:
        create(lead, country=country)
    assert "country" in refused.value.message_dict
    vendor = create(lead, legal_name="Kept Ltd")
    with pytest.raises(ValidationError) as refused:
        vendor_update(actor=lead, vendor=vendor, country=country)
    assert "country" in refused.value.message_dict
    vendor.refresh_from_db()
    assert vendor.country == "FR"


def test_create_validates_and_records_history(lead):
    vendor = create(lead)

    assert vendor.owner == lead and vendor.country == "FR" and vendor.status == "prospect"
    row = vendor.history.get()
    assert (row.history_user, row.history_change_reason) == (lead, "Vendor registered")


@pytest.mark.parametrize(("changes", "field"), [
    ({"data_categories": ["gossip"]}, "data_categories"),
    ({"offering_type": "vapourware"}, "offering_type"),
    ({"country": "ZZ"}, "country"),
])
def test_create_refuses_bad_input_and_saves_nothing(lead, changes, field):
    with pytest.raises(ValidationError) as caught:
        create(lead, **changes)

    assert field in caught.value.message_dict
    assert not Vendor.objects.exists() and not Vendor.history.exists()


def test_only_leads_create_and_the_owner_must_be_a_lead(lead, make_user):
    with pytest.raises(PermissionDenied):
        create(make_user(Role.EVALUATOR))
    with pytest.raises(ValidationError, match="active Procurement lead"):
        create(lead, owner=make_user(Role.BUSINESS_OWNER))
    assert not Vendor.objects.exists()


def test_update_cannot_touch_status_or_tier(lead, vendor):
    with pytest.raises(ValueError, match="cannot change: status"):
        vendor_update(actor=lead, vendor=vendor, status="active")
    with pytest.raises(ValueError, match="cannot change: tier"):
        vendor_update(actor=lead, vendor=vendor, tier="low")


def test_status_follows_the_machine_with_reasons(lead, vendor):
    with pytest.raises(ValidationError):
        vendor_set_status(actor=lead, vendor=vendor, status="active", reason="")
    with pytest.raises(InvalidTransition, match="cannot move to Exiting"):
        vendor_set_status(actor=lead, vendor=vendor, status="exiting", reason="Winding down")

    vendor_set_status(actor=lead, vendor=vendor, status="active", reason="Contract signed")
    vendor_set_status(actor=lead, vendor=vendor, status="exiting", reason="Replacing them")
    final = vendor_set_status(actor=lead, vendor=vendor, status="exited", reason="Exit completed")

    assert final.status == "exited"
    with pytest.raises(InvalidTransition, match="final"):
        vendor_set_status(actor=lead, vendor=vendor, status="active", reason="Back")
    assert [h.history_change_reason for h in final.history.all()[:3]] == [
        "Exit completed", "Replacing them", "Contract signed"]


def test_the_status_view_answers_409_for_a_wrong_transition(client, lead, vendor):
    client.force_login(lead)

    response = client.post(f"/vendors/{vendor.pk}/status/exited/", {"reason": "x"})
    assert response.status_code == 302  # prospect -> exited is allowed (dropped)
    response = client.post(f"/vendors/{vendor.pk}/status/active/", {"reason": "x"})

    assert response.status_code == 409
    assert "final" in response.content.decode()
    assert Vendor.objects.get(pk=vendor.pk).status == "exited"


def test_grant_and_revoke_view_access(lead, vendor, business_owner):
    assert not vendor_policy.can_see(business_owner, vendor)

    grant = vendor_grant_view(actor=lead, vendor=vendor, user=business_owner, reason="Owns the need")
    assert vendor_policy.can_see(business_owner, vendor)
    assert not vendor_policy.allows(business_owner, "edit", vendor)
    assert grant.history.get().history_change_reason == "Owns the need"
    assert vendor_grant_view(actor=lead, vendor=vendor, user=business_owner) == grant  # idempotent

    vendor_revoke_view(actor=lead, grant=grant, reason="Left the project")
    assert not vendor_policy.can_see(business_owner, vendor)
    assert not VendorUserObjectPermission.objects.exists()
    assert VendorUserObjectPermission.history.first().history_type == "-"


def test_contacts_and_subprocessors_keep_history(lead, vendor):
    contact = contact_add(actor=lead, vendor=vendor, name="Ana Lima", role="Security lead", email="ana@q.example")
    sub = subprocessor_add(actor=lead, vendor=vendor, name="CloudCo", purpose="Hosting", location="EU (Frankfurt)")
    with pytest.raises(ValidationError):
        subprocessor_add(actor=lead, vendor=vendor, name="CloudCo", purpose="Backups", location="EU")
    contact_remove(actor=lead, contact=contact)

    assert list(vendor.subprocessors.all()) == [sub]
    assert not VendorContact.objects.exists()
    assert VendorContact.history.count() == 2 and Subprocessor.history.count() == 1


def test_attestation_checks_its_dates_and_evidence(lead, vendor):
    from tests.factories.vendors import EvidenceFactory

    foreign = EvidenceFactory()
    with pytest.raises(ValidationError) as caught:
        attestation_record(actor=lead, vendor=vendor, standard="other", issuer="X", scope="All",
                           issued_on="2026-01-01", expires_on="2025-01-01", evidence=foreign)

    assert set(caught.value.message_dict) == {"expires_on", "other_standard", "evidence"}
