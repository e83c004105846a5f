"""The award notice reaches the bidders (issue 20): when the memo is approved, every bid that took part
(submitted, shortlisted, awarded, unsuccessful, knocked out) gets an "award" notice in the portal, naming the
winner and the day the standstill period ends and saying what it means for them; their contacts with a portal
account get it by e-mail. Once per approved memo version; invited bidders who never bid are not told."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from awards import notices, services
from awards.models import Bid, BidderNotice
from procurement.notifications.models import Notification
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.awards import BidFactory
from tests.factories.memos import memo_for_award, shortlisted_procedure, written_memo
from tests.factories.portal import bidder_for

pytestmark = pytest.mark.django_db

TOOK_PART = [Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED, Bid.Status.UNSUCCESSFUL, Bid.Status.KNOCKED_OUT]


def bid_with_status(procedure, status):
    bid = BidFactory(procedure=procedure)
    bid.status = status
    bid._change_reason = f"test: {status}"
    bid.save()
    return bid


@pytest.fixture
def field(lead):
    """An approved memo (rows) whose procedure has a bid in every status, and a bidder contact on one of them."""
    memo = memo_for_award()
    memo.standstill_ends_on = date(2026, 12, 21)  # in memory: an approved memo row cannot be saved again
    bids = {status: bid_with_status(memo.procedure, status)
            for status in (*TOOK_PART, Bid.Status.INVITED, Bid.Status.DECLINED)}
    bids[Bid.Status.AWARDED] = memo.recommended_bid
    contact = bidder_for(bids[Bid.Status.UNSUCCESSFUL], username="una")
    return memo, bids, contact


def test_every_bid_that_took_part_is_told_and_no_one_else(field, django_capture_on_commit_callbacks):
    memo, bids, contact = field

    with django_capture_on_commit_callbacks(execute=True):
        notices.award_notice_to_bidders(memo=memo, actor=memo.procedure.lead)

    told = {n.bid_id: n for n in BidderNotice.objects.filter(kind=BidderNotice.Kind.AWARD)}
    assert set(told) == {bids[s].pk for s in (*TOOK_PART, Bid.Status.AWARDED)}
    winner = str(memo.recommended_bid.vendor)
    for status in TOOK_PART:
        body = told[bids[status].pk].body
        assert winner in body and "21 December 2026" in body and "debrief" in body
        assert "not selected" in body
    winning = told[memo.recommended_bid_id].body
    assert "was selected" in winning and "21 December 2026" in winning
    notice = told[bids[Bid.Status.UNSUCCESSFUL].pk]
    assert notice.key == f"award:{memo.pk}:v{memo.version}" and notice.published_by == memo.procedure.lead
    row = notice.history.first()
    assert row.history_user == memo.procedure.lead and row.history_change_reason.startswith("Published to ")
    assert [m.to for m in mail.outbox] == [[contact.email]]  # the one contact with a portal account
    assert Notification.objects.get(recipient=contact).kind == "bidder_notice"


def test_running_it_again_tells_nobody_twice(field):
    memo, bids, contact = field
    notices.award_notice_to_bidders(memo=memo, actor=memo.procedure.lead)

    again = notices.award_notice_to_bidders(memo=memo, actor=memo.procedure.lead)

    assert again == []
    assert BidderNotice.objects.filter(kind=BidderNotice.Kind.AWARD).count() == 5
    assert Notification.objects.filter(recipient=contact).count() == 1


def test_the_approval_itself_publishes_the_notices_with_the_approver_as_publisher(
        lead, business_owner, panel, settings, django_capture_on_commit_callbacks):
    settings.BATON_STANDSTILL_DAYS = 10
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    loser = bidder_for(shortlist.bids[1], username="beta")
    winner = bidder_for(shortlist.bids[0], username="alpha")
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))

    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_record(actor=panel["pm1"], memo=memo, decision="approve", password=TEST_PASSWORD)

    memo.refresh_from_db()
    told = BidderNotice.objects.filter(kind=BidderNotice.Kind.AWARD).select_related("bid")
    assert {n.bid_id for n in told} == {b.pk for b in shortlist.bids}
    assert {n.published_by for n in told} == {panel["pm1"]}
    ends = memo.standstill_ends_on
    assert (ends - memo.approved_at.date()).days == 10
    for notice in told:
        assert f"{ends.day} {ends:%B %Y}" in notice.body
        assert notice.key == f"award:{memo.pk}:v{memo.version}"
    to = sorted(m.to[0] for m in mail.outbox if m.to[0] in (loser.email, winner.email))
    assert to == sorted([loser.email, winner.email])
    # the internal award notice is unchanged: one message per internal person
    assert not Notification.objects.filter(kind="award_notice", recipient__in=[loser, winner]).exists()
