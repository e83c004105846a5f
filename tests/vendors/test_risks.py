"""The risk register: ratings, the acceptance matrix, segregation of duties, transitions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from procurement.accounts.roles import Role
from procurement.exceptions import InvalidTransition
from tests.factories.vendors import RiskFactory
from vendors import risk as risk_rules
from vendors.models import Risk
from vendors.services import risk_accept, risk_create, risk_set_status, risk_update, vendor_grant_view

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("score", "rating"), [(1, "low"), (4, "low"), (5, "medium"), (9, "medium"),
                                               (10, "high"), (16, "high"), (20, "critical"), (25, "critical")])
def test_rating_bands(score, rating):
    assert risk_rules.rating_for(score) == rating


@pytest.mark.parametrize(("likelihood", "impact", "rating"), [(1, 4, "low"), (1, 5, "medium"), (3, 3, "medium"),
                                                              (2, 5, "high"), (4, 4, "high"), (4, 5, "critical")])
def test_residual_rating_property(likelihood, impact, rating):
    risk = Risk(residual_likelihood=likelihood, residual_impact=impact)
    assert risk.residual_rating == rating


@pytest.fixture
def approver_on(vendor, make_user):
    approver = make_user(Role.COMMITTEE_APPROVER)
    vendor_grant_view(actor=vendor.owner, vendor=vendor, user=approver)
    return approver


def risk_rated(vendor, likelihood, impact, **kwargs):
    return RiskFactory(vendor=vendor, inherent_likelihood=5, inherent_impact=5, residual_likelihood=likelihood,
                       residual_impact=impact, **kwargs)


def test_low_residual_risk_is_accepted_by_a_procurement_lead(lead, vendor):
    risk = risk_rated(vendor, 1, 3)

    accepted = risk_accept(actor=lead, risk=risk, reason="Within appetite")

    assert (accepted.status, accepted.accepted_by, accepted.acceptance_reason) == ("accepted", lead, "Within appetite")
    assert accepted.accepted_at is not None
    row = accepted.history.first()
    assert row.history_user == lead and row.history_change_reason == "Residual risk accepted: Within appetite"


@pytest.mark.parametrize(("likelihood", "impact"), [(3, 3), (4, 4)])
def test_medium_and_high_need_a_committee_approver(lead, vendor, approver_on, likelihood, impact):
    risk = risk_rated(vendor, likelihood, impact)

    with pytest.raises(PermissionDenied, match="must be accepted by a Committee approver"):
        risk_accept(actor=lead, risk=risk, reason="Fine by me")
    assert Risk.objects.get(pk=risk.pk).status == "open"

    assert risk_accept(actor=approver_on, risk=risk, reason="Committee agreed").accepted_by == approver_on


def test_critical_residual_risk_cannot_be_accepted(vendor, approver_on, lead):
    risk = risk_rated(vendor, 5, 4)

    for person in (approver_on, lead):
        with pytest.raises(PermissionDenied, match="cannot be accepted: mitigate it further"):
            risk_accept(actor=person, risk=risk, reason="Ship it")
    assert Risk.objects.get(pk=risk.pk).status == "open"


def test_nobody_accepts_a_risk_they_own(lead, vendor, approver_on):
    own_low = risk_rated(vendor, 1, 1, owner=lead)
    own_medium = risk_rated(vendor, 2, 3, owner=approver_on)

    with pytest.raises(PermissionDenied, match="You own this risk"):
        risk_accept(actor=lead, risk=own_low, reason="Mine, fine")
    with pytest.raises(PermissionDenied, match="You own this risk"):
        risk_accept(actor=approver_on, risk=own_medium, reason="Mine, fine")
    assert set(Risk.objects.values_list("status", flat=True)) == {"open"}


def test_auditor_and_unrelated_users_cannot_accept(vendor, auditor, make_user):
    from django.http import Http404

    risk = risk_rated(vendor, 1, 1)
    with pytest.raises(PermissionDenied):
        risk_accept(actor=auditor, risk=risk, reason="x")
    with pytest.raises(Http404):
        risk_accept(actor=make_user(Role.COMMITTEE_APPROVER), risk=risk, reason="x")


def test_acceptance_needs_a_reason(lead, vendor):
    with pytest.raises(ValidationError):
        risk_accept(actor=lead, risk=risk_rated(vendor, 1, 1), reason=" ")


def test_changing_the_ratings_voids_the_acceptance(lead, vendor):
    risk = risk_accept(actor=lead, risk=risk_rated(vendor, 1, 2), reason="OK")

    updated = risk_update(actor=lead, risk=risk, residual_impact=3)

    assert updated.status == "open" and updated.accepted_by is None and updated.accepted_at is None
    assert "acceptance voided" in updated.history.first().history_change_reason


def test_status_transitions_follow_the_machine(lead, vendor):
    risk = risk_rated(vendor, 1, 1)

    with pytest.raises(ValidationError, match="Accept residual risk"):
        risk_set_status(actor=lead, risk=risk, status="accepted", reason="shortcut")
    risk_set_status(actor=lead, risk=risk, status="closed", reason="Vendor dropped the feature")
    with pytest.raises(InvalidTransition):
        risk_set_status(actor=lead, risk=risk, status="mitigating", reason="again")
    reopened = risk_set_status(actor=lead, risk=risk, status="open", reason="Feature is back")

    assert reopened.status == "open"
    assert [h.history_change_reason for h in reopened.history.all()[:2]] == ["Feature is back",
                                                                             "Vendor dropped the feature"]


def test_residual_cannot_exceed_inherent(lead, vendor):
    with pytest.raises(ValidationError) as caught:
        risk_create(actor=lead, vendor=vendor, title="Model deprecation", category="model_change",
                    inherent_likelihood=2, inherent_impact=2, residual_likelihood=3, residual_impact=3,
                    owner=lead, review_date="2027-01-01")

    assert "residual_impact" in caught.value.message_dict
    assert not Risk.objects.exists()


def test_the_view_explains_a_refused_acceptance(client, lead, vendor):
    risk = risk_rated(vendor, 3, 3)
    client.force_login(lead)

    response = client.post(f"/vendors/{vendor.pk}/risks/{risk.pk}/accept/", {"reason": "Fine"})

    assert response.status_code == 403
    assert "must be accepted by a Committee approver" in response.content.decode()
    assert Risk.objects.get(pk=risk.pk).status == "open"
