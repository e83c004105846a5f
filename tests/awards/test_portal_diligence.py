"""Due diligence from the source (issue 20): in the portal a vendor's contact answers the tiering questions and
uploads evidence for the items their vendor's plan asks for, always recorded as vendor self-reported. They see
only their own vendor's uploads with "awaiting review / accepted / not accepted", never reviewer notes nor
internal evidence; internal reviewers review as before and the vendor page says the file came from the portal."""

import hashlib
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from procurement.notifications.models import Notification
from tests.factories.awards import BidFactory
from tests.factories.portal import bidder_for
from tests.factories.vendors import PDF_BYTES, EvidenceFactory
from vendors.models import Evidence, EvidenceKind, TieringSelfReport
from vendors.selectors import tier_obligations
from vendors.services import evidence_review, evidence_upload
from vendors.services.self_report import tiering_self_report_set_aside

pytestmark = pytest.mark.django_db

ANSWERS = {"data_sensitivity": "personal", "business_criticality": "moderate", "people_impact": "none",
           "high_risk_use": "no", "autonomy": "integrated", "spend_band": "50k_250k", "substitutability": "moderate"}
KIND = EvidenceKind.SECURITY_QUESTIONNAIRE


@pytest.fixture
def bid():
    return BidFactory()


@pytest.fixture
def bidder(bid):
    return bidder_for(bid, username="bea")


def upload(actor, vendor, *, source=Evidence.Source.SELF_REPORTED, **kwargs):
    params = {"kind": KIND, "title": "Our security questionnaire", "effective_date": date(2026, 10, 1)} | kwargs
    return evidence_upload(actor=actor, vendor=vendor, content=SimpleUploadedFile("q.pdf", PDF_BYTES),
                           original_name="q.pdf", source=source, **params)


def post_upload(client, kind=KIND, **data):
    fields = {f"{kind}-title": "Questionnaire 2026", f"{kind}-effective_date": "2026-10-01",
              f"{kind}-file": SimpleUploadedFile("answers.pdf", PDF_BYTES, content_type="application/pdf")}
    fields.update({f"{kind}-{name}": value for name, value in data.items()})
    return client.post(reverse("portal:diligence_upload", args=[kind]), fields)


# --- the service rule ---------------------------------------------------------------------------------------------

def test_a_contact_uploads_self_reported_evidence_and_the_owner_is_told(bidder, bid):
    evidence = upload(bidder, bid.vendor)

    assert evidence.source == Evidence.Source.SELF_REPORTED and evidence.uploaded_by == bidder
    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert evidence.review_outcome == Evidence.Outcome.PENDING
    row = evidence.history.first()
    assert row.history_user == bidder and row.history_change_reason == "Evidence uploaded"
    told = Notification.objects.get(kind="vendor_self_report")
    assert told.recipient == bid.vendor.owner and "Our security questionnaire" in told.subject


@pytest.mark.parametrize("source", [Evidence.Source.INDEPENDENT, Evidence.Source.THIRD_PARTY_ATTESTATION,
                                    Evidence.Source.BUYER_TEST])
def test_a_bidder_can_never_record_evidence_as_independent(bidder, bid, source):
    with pytest.raises(ValidationError) as caught:
        upload(bidder, bid.vendor, source=source)

    assert "source" in caught.value.message_dict
    assert not Evidence.objects.exists()


def test_a_bidder_cannot_replace_evidence_our_people_supplied(bidder, bid):
    ours = EvidenceFactory(vendor=bid.vendor, kind=KIND)
    with pytest.raises(ValidationError):
        upload(bidder, bid.vendor, supersedes=ours)
    assert Evidence.objects.count() == 1


def test_a_bidder_cannot_upload_for_another_vendor_nor_review(bidder, bid):
    other_vendor = BidFactory().vendor
    with pytest.raises(Http404):
        upload(bidder, other_vendor)
    mine = upload(bidder, bid.vendor)
    with pytest.raises(Http404):
        evidence_review(actor=bidder, evidence=mine, outcome=Evidence.Outcome.ACCEPTED)
    mine.refresh_from_db()
    assert mine.review_outcome == Evidence.Outcome.PENDING
    assert not Evidence.objects.filter(vendor=other_vendor).exists()


def test_an_inactive_bidder_can_do_nothing(bidder, bid, client):
    bidder.is_active = False
    bidder._change_reason = "test: left the company"
    bidder.save()
    with pytest.raises(Http404):
        upload(bidder, bid.vendor)
    client.force_login(bidder)
    assert client.get(reverse("portal:diligence")).status_code in (302, 404)
    assert not Evidence.objects.exists()


# --- the portal page ----------------------------------------------------------------------------------------------

def test_the_page_lists_the_plan_items_and_only_the_vendors_own_uploads(client, bidder, bid,
                                                                        django_assert_max_num_queries):
    mine = upload(bidder, bid.vendor)
    evidence_review(actor=bid.vendor.owner, evidence=mine, outcome=Evidence.Outcome.GAPS_NOTED,
                    notes="Section 4 left blank - ask about their SOC team")
    EvidenceFactory(vendor=bid.vendor, kind=KIND, title="Our own red-team memo")  # internal evidence
    stranger = bidder_for(BidFactory(), username="otto")
    upload(stranger, stranger.vendor_contact.vendor, title="Otto's secret questionnaire")
    client.force_login(bidder)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("portal:diligence"))

    html = page.content.decode()
    assert page.status_code == 200
    for kind in tier_obligations(bid.vendor.tier).required_evidence_kinds:
        assert f'id="item-{kind}"' in html
    assert "Our security questionnaire" in html and "Not accepted" in html
    assert "Section 4" not in html and "SOC team" not in html  # reviewer notes stay internal
    assert "Our own red-team memo" not in html and "Otto" not in html


def test_answers_sent_from_the_page_are_kept_and_shown_with_their_status(client, bidder, bid):
    client.force_login(bidder)
    data = {f"tiering-{code}": value for code, value in ANSWERS.items()} | {"tiering-comment": "EU hosting only"}

    answer = client.post(reverse("portal:diligence_answers"), data)

    assert answer.status_code == 302
    report = TieringSelfReport.objects.get()
    assert report.vendor == bid.vendor and report.answers == ANSWERS and report.comment == "EU hosting only"
    assert report.history.first().history_user == bidder
    tiering_self_report_set_aside(actor=bid.vendor.owner, report=report, reason="Internal: vendor overstated maturity")
    page = client.get(reverse("portal:diligence")).content.decode()
    assert "Set aside" in page and "overstated" not in page


def test_unanswered_questions_come_back_next_to_the_fields_and_nothing_is_kept(client, bidder):
    client.force_login(bidder)
    data = {f"tiering-{code}": value for code, value in ANSWERS.items() if code != "autonomy"}

    answer = client.post(reverse("portal:diligence_answers"), data)

    assert answer.status_code == 400
    assert 'id="id_tiering-autonomy_error"' in answer.content.decode()
    assert not TieringSelfReport.objects.exists()


def test_upload_from_the_page_is_self_reported_and_the_vendor_page_says_it_came_from_the_portal(client, bidder, bid):
    client.force_login(bidder)

    answer = post_upload(client, source=Evidence.Source.INDEPENDENT)  # an extra field is ignored

    assert answer.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.source == Evidence.Source.SELF_REPORTED and evidence.kind == KIND
    assert evidence.uploaded_by == bidder
    client.force_login(bid.vendor.owner)
    vendor_page = client.get(reverse("vendors:detail", args=[bid.vendor.pk])).content.decode()
    assert "Uploaded by the vendor (portal)" in vendor_page


def test_a_bad_file_or_an_unknown_item_never_half_saves(client, bidder):
    client.force_login(bidder)

    refused = post_upload(client, file=SimpleUploadedFile("run.exe", b"MZ\x90\x00binary", content_type="x/y"))
    unknown = post_upload(client, kind="not_a_kind")
    missing_date = post_upload(client, effective_date="")

    assert refused.status_code == 400 and unknown.status_code == 404 and missing_date.status_code == 400
    assert not Evidence.objects.exists()


def test_staff_and_anonymous_people_do_not_get_the_portal_page(client, lead):
    assert client.get(reverse("portal:diligence")).status_code == 302  # to sign in
    client.force_login(lead)
    assert client.get(reverse("portal:diligence")).status_code == 404
    assert client.post(reverse("portal:diligence_answers"), {}).status_code == 404


def test_an_untiered_vendor_is_asked_for_the_strictest_plan(client, bidder, bid):
    vendor = bid.vendor
    vendor.tier = ""
    vendor._change_reason = "test: not tiered yet"
    vendor.save()
    client.force_login(bidder)

    html = client.get(reverse("portal:diligence")).content.decode()

    strictest = tier_obligations("critical").required_evidence_kinds
    assert strictest and tier_obligations("").required_evidence_kinds == strictest
    assert all(f'id="item-{kind}"' in html for kind in strictest)
    assert post_upload(client, kind=strictest[-1]).status_code == 302
    assert Evidence.objects.get().kind == strictest[-1]
