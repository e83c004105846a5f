"""Notices to bidders (issue 20): clarifications, timeline changes and RFP document changes reach every invited
bidder in the portal (and their contacts by e-mail), once; the bidder reads and acknowledges their own; the lead
sees who was told when and who acknowledged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import BidderNotice
from awards.services.bidder_notices import bidder_notice_acknowledge, bidder_notice_publish
from awards.services.rfp_documents import bidder_clarification_publish, rfp_document_add, rfp_document_withdraw
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from procurement.notifications.models import Notification
from tests.awards.portal_helpers import issue_portal_rfp
from tests.factories.award_fixtures import pdf
from tests.factories.awards import BidFactory
from tests.factories.portal import bidder_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal_rfp(lead, business_owner, make_vendor, future_timeline):
    return issue_portal_rfp(lead=lead, business_owner=business_owner, make_vendor=make_vendor,
                            future_timeline=future_timeline)


@pytest.fixture
def bids(portal_rfp):
    return list(portal_rfp.bids.select_related("vendor").order_by("pk"))


# --- publishing ----------------------------------------------------------------------------------------------

def test_a_clarification_reaches_every_bidder_once_and_their_portal_contacts_by_e_mail(
        portal_rfp, bids, lead, django_capture_on_commit_callbacks):
    user = bidder_for(bids[0], username="ada")
    services.bid_decline(actor=lead, bid=bids[2], reason="No capacity")

    with django_capture_on_commit_callbacks(execute=True):
        created = bidder_clarification_publish(actor=lead, procedure=portal_rfp, subject="Annex B",
                                               body="Read 99.9% as monthly.", key="k1")
        again = bidder_clarification_publish(actor=lead, procedure=portal_rfp, subject="Annex B",
                                             body="Read 99.9% as monthly.", key="k1")

    assert sorted(n.bid_id for n in created) == [bids[0].pk, bids[1].pk] and again == []
    notice = BidderNotice.objects.get(bid=bids[0])
    assert notice.kind == "clarification" and notice.published_by == lead
    assert notice.history.get().history_user == lead
    sent = Notification.objects.get(key=f"bidder_notice:{notice.pk}")
    assert sent.recipient == user and sent.email_status == Notification.Email.SENT
    assert sent.url == reverse("portal:notice_detail", args=[portal_rfp.reference, notice.pk])


def test_a_clarification_needs_a_subject_and_text_and_a_closed_procedure_takes_none(
        portal_rfp, lead, procedure):
    with pytest.raises(ValidationError) as empty:
        bidder_clarification_publish(actor=lead, procedure=portal_rfp, subject=" ", body="", key="k")
    assert set(empty.value.message_dict) == {"subject", "body"}
    with pytest.raises(DomainError, match="outside the bidders' portal"):
        bidder_clarification_publish(actor=lead, procedure=procedure, subject="S", body="B", key="k")
    assert not BidderNotice.objects.exists()


def test_the_clarification_page_publishes_once_however_often_it_is_posted(client, portal_rfp, bids, lead):
    client.force_login(lead)
    url = reverse("awards:bidder_clarification", args=[portal_rfp.reference])
    page = client.get(url).content.decode()
    key = page.split('name="key" value="')[1].split('"')[0]

    first = client.post(url, {"subject": "Annex B", "body": "Monthly.", "key": key})
    second = client.post(url, {"subject": "Annex B", "body": "Monthly.", "key": key})
    bad = client.post(url, {"subject": "", "body": "Monthly.", "key": "other"})

    assert first.status_code == second.status_code == 302 and bad.status_code == 400
    assert BidderNotice.objects.filter(kind="clarification").count() == len(bids)


def test_a_timeline_change_after_issue_is_a_notice_to_every_bidder_still_running(
        portal_rfp, bids, lead, make_user):
    other_lead = make_user(Role.PROCUREMENT_LEAD)
    services.bid_decline(actor=lead, bid=bids[2], reason="No capacity")
    services.waiver_record(actor=other_lead, procedure=portal_rfp, kind="timeline_change", subject="",
                           reason="Legal asked for two more weeks to review annex B.")
    due = portal_rfp.proposals_due + timedelta(days=7)

    services.procedure_set_timeline(actor=lead, procedure=portal_rfp, reason="More time for annex B",
                                    proposals_due=due, demo_start=due + timedelta(days=1))

    notices = BidderNotice.objects.filter(kind="timeline")
    assert sorted(notices.values_list("bid_id", flat=True)) == [bids[0].pk, bids[1].pk]
    notice = notices.first()
    assert "More time for annex B" in notice.body and "Proposals due" in notice.body
    assert notice.history.get().history_user == lead
    # the lead's letter of issue 17 still goes, untouched
    assert Notification.objects.filter(kind="timeline_changed", recipient=lead).exists()


def test_rfp_documents_added_or_withdrawn_after_issue_are_announced_before_issue_they_are_not(
        lead, business_owner, make_vendor, future_timeline, portal_rfp):
    document = rfp_document_add(actor=lead, procedure=portal_rfp, title="Annex B", upload=pdf("annex-b.pdf"))
    rfp_document_withdraw(actor=lead, document=document, reason="Replaced by annex C")

    subjects = sorted(BidderNotice.objects.filter(bid=portal_rfp.bids.first()).values_list("subject", flat=True))
    assert subjects == ["New RFP document: Annex B", "RFP document withdrawn: Annex B"]
    document.refresh_from_db()
    assert document.withdrawn_at is not None and document.history.latest().history_user == lead

    draft = services.procedure_create(actor=lead, title="Draft", need_statement="Later.",
                                      business_owner=business_owner, category="ai_saas", estimated_value=10,
                                      currency="EUR", term_months=12, submission="portal")
    services.bid_invite(actor=lead, procedure=draft, vendor=make_vendor())
    rfp_document_add(actor=lead, procedure=draft, title="Draft annex", upload=pdf("draft.pdf"))
    assert not BidderNotice.objects.filter(procedure=draft).exists()


# --- the bidder's side ---------------------------------------------------------------------------------------

def _notice(procedure, bid, lead, n: int) -> BidderNotice:
    return bidder_notice_publish(actor=lead, procedure=procedure, kind="clarification", subject=f"Notice {n}",
                                 body=f"Text {n}", key=f"test:{n}", bids=[bid])[0]


def test_the_bidder_lists_their_notices_newest_first_with_the_unacknowledged_marked(
        client, portal_rfp, bids, lead, django_assert_max_num_queries):
    user = bidder_for(bids[0])
    first, second = _notice(portal_rfp, bids[0], lead, 1), _notice(portal_rfp, bids[0], lead, 2)
    _notice(portal_rfp, bids[1], lead, 3)  # another bidder's
    bidder_notice_acknowledge(actor=user, notice=first)
    client.force_login(user)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("portal:notices", args=[portal_rfp.reference])).content.decode()

    assert page.index("Notice 2") < page.index("Notice 1") and "Notice 3" not in page
    assert "1 still to acknowledge" in page and "Not acknowledged yet" in page
    assert reverse("portal:notice_detail", args=[portal_rfp.reference, second.pk]) in page


def test_the_bidder_acknowledges_a_notice_once_and_another_bids_notice_is_a_404(client, portal_rfp, bids, lead):
    user = bidder_for(bids[0])
    mine, theirs = _notice(portal_rfp, bids[0], lead, 1), _notice(portal_rfp, bids[1], lead, 2)
    client.force_login(user)
    detail = reverse("portal:notice_detail", args=[portal_rfp.reference, mine.pk])

    page = client.get(detail).content.decode()
    response = client.post(reverse("portal:notice_acknowledge", args=[portal_rfp.reference, mine.pk]))
    client.post(reverse("portal:notice_acknowledge", args=[portal_rfp.reference, mine.pk]))

    assert "I have received this" in page and response.status_code == 302
    mine.refresh_from_db()
    assert mine.acknowledged_by == user and mine.acknowledged_at is not None
    assert mine.history.latest().history_user == user and mine.history.count() == 2
    assert "Receipt acknowledged" in client.get(detail).content.decode()
    for url in (reverse("portal:notice_detail", args=[portal_rfp.reference, theirs.pk]),
                reverse("portal:notice_acknowledge", args=[portal_rfp.reference, theirs.pk])):
        assert (client.post(url) if url.endswith("acknowledge/") else client.get(url)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None
    assert client.get(reverse("portal:notice_acknowledge", args=[portal_rfp.reference, mine.pk])).status_code == 405


# --- the lead's record ---------------------------------------------------------------------------------------

def test_the_lead_sees_who_was_told_when_which_contacts_were_e_mailed_and_who_acknowledged(
        client, portal_rfp, bids, lead, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    user = bidder_for(bids[0], username="ada")
    with django_capture_on_commit_callbacks(execute=True):
        bidder_clarification_publish(actor=lead, procedure=portal_rfp, subject="Annex B", body="Monthly.", key="a")
        bidder_clarification_publish(actor=lead, procedure=portal_rfp, subject="Annex C", body="Weekly.", key="c")
    notice = BidderNotice.objects.get(bid=bids[0], subject="Annex B")
    bidder_notice_acknowledge(actor=user, notice=notice)
    client.force_login(lead)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("awards:bidder_notices", args=[portal_rfp.reference])).content.decode()

    assert page.count("<h2") >= 2 and "Annex B" in page and "Annex C" in page
    assert all(str(bid.vendor) in page for bid in bids)
    assert "e-mail sent" in page and str(user) in page and "Not yet" in page
    assert timezone.localtime(notice.acknowledged_at).strftime("%-d %b %Y") in page


def test_people_who_cannot_see_the_procedure_get_404_on_its_notices_page(client, portal_rfp, stranger):
    client.force_login(stranger)

    assert client.get(reverse("awards:bidder_notices", args=[portal_rfp.reference])).status_code == 404
    assert client.get(reverse("awards:bidder_clarification", args=[portal_rfp.reference])).status_code == 404


def test_notices_only_go_to_bids_of_their_own_procedure(portal_rfp, lead, procedure):
    foreign = BidFactory(procedure=procedure)

    with pytest.raises(DomainError):
        bidder_notice_publish(actor=lead, procedure=portal_rfp, kind="clarification", subject="S", body="B",
                              key="x", bids=[foreign])
