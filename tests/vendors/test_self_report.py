"""Tiering answers from the vendor itself (issue 20): a contact of the vendor sends them through the portal, the
vendor's owner is told, and a lead adopts them (the tier is assessed from them, naming the contact) or sets them
aside. Only the vendor's own active contacts may send; only a lead may decide; the staff pages show them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from procurement.notifications.models import Notification
from tests.factories.awards import BidFactory
from tests.factories.portal import bidder_for
from vendors.models import TierAssessment, TieringSelfReport
from vendors.policies import vendor_portal_policy
from vendors.services.self_report import (
    tiering_self_report_adopt,
    tiering_self_report_set_aside,
    tiering_self_report_submit,
)

pytestmark = pytest.mark.django_db

HIGH_ANSWERS = {"data_sensitivity": "special_category", "business_criticality": "low", "people_impact": "none",
                "high_risk_use": "no", "autonomy": "standalone", "spend_band": "under_50k", "substitutability": "easy"}


@pytest.fixture
def bid():
    return BidFactory()


@pytest.fixture
def bidder(bid):
    return bidder_for(bid, username="bea")


def submitted(bidder, bid, **answers):
    return tiering_self_report_submit(actor=bidder, vendor=bid.vendor, answers=HIGH_ANSWERS | answers,
                                      comment="We host in the EU.")


def test_a_contact_sends_answers_and_the_owner_is_told(bidder, bid):
    report = submitted(bidder, bid)

    assert report.status == TieringSelfReport.Status.PENDING and report.answers == HIGH_ANSWERS
    assert report.submitted_by == bidder and report.comment == "We host in the EU."
    row = report.history.first()
    assert row.history_user == bidder
    assert row.history_change_reason == "Tiering answers sent by the vendor through the portal"
    told = Notification.objects.get(kind="vendor_self_report")
    assert told.recipient == bid.vendor.owner and str(bid.vendor) in told.subject
    bid.vendor.refresh_from_db()
    assert bid.vendor.tier == "medium"  # nothing changes until a lead adopts the answers


def test_answers_are_checked_against_the_questionnaire_and_nothing_is_kept_on_error(bidder, bid):
    with pytest.raises(ValidationError) as caught:
        tiering_self_report_submit(actor=bidder, vendor=bid.vendor,
                                   answers=HIGH_ANSWERS | {"autonomy": "rogue", "spend_band": ""})

    assert set(caught.value.message_dict) == {"autonomy", "spend_band"}
    assert not TieringSelfReport.objects.exists() and not Notification.objects.exists()


def test_a_contact_of_another_vendor_staff_and_inactive_contacts_cannot_send(bidder, bid, lead):
    other = bidder_for(BidFactory(), username="otto")
    with pytest.raises(Http404):
        submitted(other, bid)  # the vendor is not theirs: unseen
    with pytest.raises(Http404):
        submitted(lead, bid)  # staff use the internal questionnaire, not the vendor's door
    bidder.is_active = False
    bidder._change_reason = "test: left the company"
    bidder.save()
    with pytest.raises(Http404):
        submitted(bidder, bid)
    assert not TieringSelfReport.objects.exists()
    assert list(vendor_portal_policy.visible(other)) == [other.vendor_contact.vendor]


def test_a_lead_adopts_the_answers_and_the_tier_names_the_contact(bidder, bid):
    report = submitted(bidder, bid)
    lead = bid.vendor.owner

    report = tiering_self_report_adopt(actor=lead, report=report, reason="Matches our own reading")

    assessment = TierAssessment.objects.get(vendor=bid.vendor)
    assert report.status == TieringSelfReport.Status.ADOPTED and report.assessment == assessment
    assert report.reviewed_by == lead and report.review_reason == "Matches our own reading"
    assert assessment.tier == "high" and assessment.assessed_by == lead
    contact = bidder.vendor_contact
    assert assessment.reason.startswith(f"Tiering answers self-reported by {contact.name} of {bid.vendor} on ")
    assert assessment.reason.endswith("adopted: Matches our own reading")
    bid.vendor.refresh_from_db()
    assert bid.vendor.tier == "high"
    row = report.history.first()
    assert row.history_user == lead and row.history_change_reason == "Adopted for the tiering: Matches our own reading"
    with pytest.raises(DomainError):
        tiering_self_report_set_aside(actor=lead, report=report, reason="Changed my mind")


def test_setting_aside_keeps_the_tier_and_needs_a_reason(bidder, bid):
    report = submitted(bidder, bid)
    lead = bid.vendor.owner
    with pytest.raises(ValidationError):
        tiering_self_report_set_aside(actor=lead, report=report, reason="  ")

    report = tiering_self_report_set_aside(actor=lead, report=report, reason="Answers describe another product")

    assert report.status == TieringSelfReport.Status.SET_ASIDE and report.assessment is None
    assert not TierAssessment.objects.filter(vendor=bid.vendor).exists()
    assert report.history.first().history_change_reason == "Set aside: Answers describe another product"


def test_only_a_lead_decides(bidder, bid, make_user, auditor):
    report = submitted(bidder, bid)
    with pytest.raises(Http404):
        tiering_self_report_adopt(actor=make_user(Role.EVALUATOR), report=report, reason="x")
    with pytest.raises(PermissionDenied):
        tiering_self_report_adopt(actor=auditor, report=report, reason="x")
    with pytest.raises(Http404):
        tiering_self_report_adopt(actor=bidder, report=report, reason="Please adopt")
    report.refresh_from_db()
    assert report.status == TieringSelfReport.Status.PENDING


def test_the_vendor_page_points_to_pending_answers_and_the_lead_adopts_from_the_page(client, bidder, bid,
                                                                                   django_assert_max_num_queries):
    report = submitted(bidder, bid)
    lead = bid.vendor.owner
    client.force_login(lead)

    page = client.get(reverse("vendors:detail", args=[bid.vendor.pk]))
    assert b"1 set of tiering answers from the vendor awaits review" in page.content
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("vendors:self_reports", args=[bid.vendor.pk]))
    assert listing.status_code == 200 and reverse("vendors:self_report_detail",
                                                  args=[bid.vendor.pk, report.pk]).encode() in listing.content
    detail = client.get(reverse("vendors:self_report_detail", args=[bid.vendor.pk, report.pk]))
    assert b"the rule table gives <strong>High</strong>" in detail.content

    answer = client.post(reverse("vendors:self_report_adopt", args=[bid.vendor.pk, report.pk]),
                         {"reason": "Checked with the vendor"})

    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.status == TieringSelfReport.Status.ADOPTED


def test_staff_pages_refuse_people_who_may_not_decide(client, bidder, bid, make_user):
    report = submitted(bidder, bid)
    client.force_login(make_user(Role.EVALUATOR))
    assert client.get(reverse("vendors:self_reports", args=[bid.vendor.pk])).status_code == 404
    client.force_login(bidder)  # bidders never reach internal pages
    assert client.get(reverse("vendors:self_report_detail", args=[bid.vendor.pk, report.pk])).status_code == 404
    assert client.post(reverse("vendors:self_report_adopt", args=[bid.vendor.pk, report.pk]),
                       {"reason": "x"}).status_code == 404
    report.refresh_from_db()
    assert report.status == TieringSelfReport.Status.PENDING
