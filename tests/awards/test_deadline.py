"""The proposals deadline with a time and a zone (issue 21): awards.selectors.timeline.proposals_deadline, the
sealed-bid services and the portal judging a bid on time or late by it, and the `deadline` tag showing it.

Every date here is fixed (time-machine), around the spring daylight-saving change of 2027: Europe moves its clocks
on Sunday 28 March 2027 at 01:00 UTC, the United States on Sunday 14 March 2027.
"""

from copy import copy
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import SealedItem, SealedSubmission
from awards.notices import timeline_change_letter
from awards.selectors.timeline import changes_between, deadline_text, proposals_closed, proposals_deadline
from procurement.exceptions import DomainError
from tests.factories.sealed import bid_with_bidder, open_portal_procedure, pdf

pytestmark = pytest.mark.django_db

DUBLIN = ZoneInfo("Europe/Dublin")
DUE = date(2027, 3, 28)  # the day Europe's clocks go forward
BEFORE = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)  # a week earlier: the RFP is out, proposals not yet due


@pytest.fixture
def world():
    """A portal procedure whose proposals are due at 12:00 Dublin time on 28 March 2027, with one bidder."""
    with time_machine.travel(BEFORE, tick=False):
        procedure = open_portal_procedure(proposals_due=DUE, proposals_due_time=time(12, 0),
                                          time_zone="Europe/Dublin", demo_start=DUE + timedelta(days=3),
                                          demo_end=DUE + timedelta(days=5), target_award_date=DUE + timedelta(days=20))
        bid, bidder = bid_with_bidder(procedure, "bea")
    return procedure, bid, bidder


def _submit_at(moment: datetime, bid, bidder) -> SealedSubmission:
    with time_machine.travel(moment, tick=False):
        services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
        return services.sealed_submit(actor=bidder, bid=bid)


def test_with_a_time_the_deadline_is_that_time_on_the_due_day_in_the_procedures_zone(world):
    procedure, _, _ = world

    deadline = proposals_deadline(procedure)

    # 12:00 Irish Summer Time (UTC+1) on the day the clocks went forward: 11:00 UTC, not 12:00.
    assert deadline == datetime(2027, 3, 28, 11, 0, tzinfo=UTC)
    assert deadline.tzinfo.key == "Europe/Dublin" and deadline.hour == 12
    assert deadline_text(procedure) == "28 Mar 2027, 12:00 Europe/Dublin"
    # The day before, the same wall-clock time was still GMT: an hour later in UTC.
    procedure.proposals_due = DUE - timedelta(days=1)
    assert proposals_deadline(procedure) == datetime(2027, 3, 27, 12, 0, tzinfo=UTC)


def test_without_a_time_it_is_the_start_of_the_next_day_and_without_a_zone_the_sites(world, settings):
    procedure, _, _ = world
    procedure.proposals_due_time = None

    assert proposals_deadline(procedure) == datetime(2027, 3, 29, 0, 0, tzinfo=DUBLIN)
    assert deadline_text(procedure) == "the end of 28 Mar 2027 (Europe/Dublin)"
    procedure.time_zone = ""
    settings.TIME_ZONE = "America/New_York"
    assert proposals_deadline(procedure) == datetime(2027, 3, 29, 4, 0, tzinfo=UTC)  # EDT, UTC-4
    procedure.time_zone = "Mars/Olympus_Mons"  # not a zone: the site's zone, never an error page
    assert proposals_deadline(procedure).tzinfo.key == "America/New_York"


def test_a_bid_at_11_59_59_local_is_on_time_and_at_12_00_00_late(world, settings):
    procedure, bid, bidder = world
    settings.BATON_LATE_BIDS = "record"
    other_bid, other_bidder = bid_with_bidder(procedure, "olga")
    last_second = datetime(2027, 3, 28, 11, 59, 59, tzinfo=DUBLIN)
    noon = datetime(2027, 3, 28, 12, 0, 0, tzinfo=DUBLIN)

    on_time = _submit_at(last_second, bid, bidder)
    late = _submit_at(noon, other_bid, other_bidder)

    assert not proposals_closed(procedure, last_second) and proposals_closed(procedure, noon)
    assert (on_time.status, on_time.late) == (SealedSubmission.Status.SUBMITTED, False)
    assert (late.status, late.late) == (SealedSubmission.Status.SUBMITTED, True)
    assert on_time.history.first().history_user == bidder
    assert late.history.first().history_change_reason.startswith("Submitted after the deadline (late)")
    assert late.history.first().history_user == other_bidder


def test_when_late_bids_are_refused_noon_local_is_refused_and_nothing_is_sealed(world, settings):
    procedure, bid, bidder = world
    settings.BATON_LATE_BIDS = "refuse"

    with (time_machine.travel(datetime(2027, 3, 28, 12, 0, 0, tzinfo=DUBLIN), tick=False),
          pytest.raises(DomainError, match="does not accept late bids")):
        services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
    assert not SealedItem.objects.filter(submission__bid=bid).exists()
    with time_machine.travel(datetime(2027, 3, 28, 11, 59, 59, tzinfo=DUBLIN), tick=False):
        item = services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
    assert item.history.first().history_user == bidder


def test_the_portal_page_shows_the_deadline_in_its_zone_and_the_bidders_own_time(client, world,
                                                                                 django_assert_max_num_queries):
    procedure, _, bidder = world
    bidder.time_zone = "America/New_York"
    bidder.save(update_fields=["time_zone"])
    url = reverse("portal:submission", args=[procedure.reference])

    with time_machine.travel(datetime(2027, 3, 28, 11, 59, 59, tzinfo=DUBLIN), tick=False):
        client.force_login(bidder)  # the session is dated by the travelled clock
        with django_assert_max_num_queries(25):
            before = client.get(url).content.decode()
    with time_machine.travel(datetime(2027, 3, 28, 12, 0, 0, tzinfo=DUBLIN), tick=False):
        client.force_login(bidder)
        after = client.get(url).content.decode()

    # 11:00 UTC is 07:00 in New York (EDT since 14 March), not the 06:00 of a winter day.
    assert "28 Mar 2027, 12:00 Europe/Dublin" in before and "07:00 your time" in before
    assert "The deadline has passed" not in before and "The deadline has passed" in after


def test_the_tag_adds_the_viewers_time_only_when_their_clock_reads_otherwise():
    template = Template("{% load deadlines %}{% deadline moment %}")
    noon = datetime(2027, 3, 28, 12, 0, tzinfo=DUBLIN)

    with timezone.override(ZoneInfo("Europe/Dublin")):
        same = template.render(Context({"moment": noon}))
    with timezone.override(ZoneInfo("Europe/London")):  # another zone, the same clock that day
        london = template.render(Context({"moment": noon}))
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        tokyo = template.render(Context({"moment": noon}))
    with timezone.override(ZoneInfo("Europe/Berlin")):
        midnight = template.render(Context({"moment": datetime(2027, 3, 29, 0, 0, tzinfo=DUBLIN)}))

    assert same == london == '<time datetime="2027-03-28T12:00:00+01:00">28 Mar 2027, 12:00 Europe/Dublin</time>'
    assert "(20:00 your time)" in tokyo
    assert "the end of 28 Mar 2027 (Europe/Dublin)" in midnight and "(29 Mar, 01:00 your time)" in midnight
    assert Template("{% load deadlines %}[{% deadline None %}]").render(Context()) == "[]"


def test_a_change_of_the_deadlines_time_or_zone_alone_is_a_change_bidders_are_told_of(world):
    procedure, _, _ = world
    before = copy(procedure)
    procedure.proposals_due_time = time(17, 0)
    procedure.time_zone = "Europe/Berlin"

    changes = changes_between(before, procedure)

    assert changes == (("Proposals due", "28 Mar 2027, 12:00 Europe/Dublin", "28 Mar 2027, 17:00 Europe/Berlin"),)
    letter = timeline_change_letter(procedure, changes=changes, reason="More time for the security annex")
    assert "- Proposals due: was 28 Mar 2027, 12:00 Europe/Dublin, now 28 Mar 2027, 17:00 Europe/Berlin" in letter
    # Without a time or a zone on either side the dates are compared as before.
    plain_before, plain_after = copy(before), copy(before)
    plain_before.proposals_due_time = plain_after.proposals_due_time = None
    plain_before.time_zone = plain_after.time_zone = ""
    plain_after.proposals_due = DUE + timedelta(days=2)
    assert changes_between(plain_before, plain_after) == (("Proposals due", DUE, DUE + timedelta(days=2)),)
