"""Issue 17, selection findings 1, 2, 4 and 7: an award that holds up when a losing bidder questions it.

Each test is named after its finding and failed on the code before the fix.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from awards import selectors, services
from awards.models import Bid, ReferenceCheck
from awards.models.procedure import Stage
from awards.models.scorecard import Score
from awards.prerequisites import missing_for
from awards.selectors.memo_snapshot import scoring_snapshot
from procurement.exceptions import DomainError
from tests.factories.scorecards import criteria_of, declare_all
from vendors.models import Tier
from vendors.services.tiering import tier_override

pytestmark = pytest.mark.django_db


def _high_bid(procedure) -> Bid:
    return procedure.bids.select_related("vendor").get(vendor__tier=Tier.HIGH)


def _fail_knockout(procedure, lead, bid):
    knockout = procedure.scorecard.knockouts.get()
    services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=False,
                             reason="Their terms allow training on customer data")
    return knockout


# --- finding 1 ----------------------------------------------------------------------------------------------


def test_finding_1_a_bid_that_failed_a_confirmed_knockout_cannot_be_shortlisted(evaluation, lead):
    bid = _high_bid(evaluation)
    knockout = _fail_knockout(evaluation, lead, bid)
    versions = bid.history.count()

    with pytest.raises(DomainError, match=knockout.name):
        services.bid_decide(actor=lead, bid=bid, status=Bid.Status.SHORTLISTED, reason="Best price")

    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED
    assert bid.history.count() == versions  # the refusal wrote nothing
    # Knocking it out stays possible.
    services.bid_decide(actor=lead, bid=bid, status=Bid.Status.KNOCKED_OUT, reason="Failed the knockout")
    assert Bid.objects.get(pk=bid.pk).status == Bid.Status.KNOCKED_OUT


def test_finding_1_a_fail_confirmed_on_a_shortlisted_bid_takes_it_off_the_shortlist(evaluation, lead):
    bid = _high_bid(evaluation)
    services.bid_decide(actor=lead, bid=bid, status=Bid.Status.SHORTLISTED, reason="Strong proposal")

    knockout = _fail_knockout(evaluation, lead, bid)

    bid.refresh_from_db()
    assert bid.status == Bid.Status.KNOCKED_OUT
    assert knockout.name in bid.status_reason
    assert knockout.name in bid.history.first().history_change_reason


# --- finding 2 ----------------------------------------------------------------------------------------------


def test_finding_2_a_bid_excluded_by_a_failed_knockout_blocks_nothing(evaluation, lead):
    declare_all(evaluation)
    bid = _high_bid(evaluation)  # its tier asks for a POV and two reference checks, none done
    vendor = str(bid.vendor)
    assert any(item.startswith(vendor) for item in missing_for(evaluation, Stage.SHORTLIST).missing)

    _fail_knockout(evaluation, lead, bid)

    missing = missing_for(evaluation, Stage.SHORTLIST).missing
    assert not [item for item in missing if vendor in item], missing


# --- finding 4 ----------------------------------------------------------------------------------------------


def test_finding_4_an_out_of_range_score_is_refused_next_to_its_cell(evaluation, client):
    scoring = declare_all(evaluation)
    evaluator = scoring.evaluators[0]
    client.force_login(evaluator)
    bid, criterion = scoring.bids.order_by("pk").first(), criteria_of(scoring)[0]
    grid_url = reverse("awards:scoring", args=[scoring.reference])
    cell_url = reverse("awards:scoring_cell", args=[scoring.reference])

    page = client.get(grid_url).content.decode()
    assert f'id="v-{bid.pk}-{criterion.pk}" name="value" min="0" max="{scoring.scorecard.scale}"' in page

    # Without JavaScript: the grid comes back with the message beside the cell and the typed value kept.
    response = client.post(cell_url, {"bid": bid.pk, "criterion": criterion.pk, "value": "7", "rationale": "x"})
    assert response.status_code == 400
    body = response.content.decode()
    status = body.split(f'id="st-{bid.pk}-{criterion.pk}"', 1)[1].split("</span>", 2)
    assert "outside the scale" in status[0] + status[1]
    cell = body.split(f'id="v-{bid.pk}-{criterion.pk}"', 1)[1].split(">", 1)[0]
    assert 'value="7"' in cell
    # With htmx: the cell's status line says why (htmx swaps it in place).
    response = client.post(cell_url, {"bid": bid.pk, "criterion": criterion.pk, "value": "7"},
                           HTTP_HX_REQUEST="true")
    assert "outside the scale" in response.content.decode() and 'role="alert"' in response.content.decode()
    assert not Score.objects.exists()


# --- finding 7 ----------------------------------------------------------------------------------------------


def test_finding_7_a_bids_obligations_follow_the_vendors_current_tier(procedure, lead, make_vendor, client):
    vendor = make_vendor("")
    bid = services.bid_invite(actor=lead, procedure=procedure, vendor=vendor)
    assert selectors.bid_obligations(bid).references_required == 3  # untiered: the strictest plan

    tier_override(actor=lead, vendor=vendor, tier=Tier.LOW, reason="Internal pilot, no personal data")

    bid = Bid.objects.select_related("vendor").get(pk=bid.pk)
    obligations = selectors.bid_obligations(bid)
    assert (obligations.pov_required, obligations.references_required) == (False, 0)
    assert selectors.reference_status(bid).required == 0
    client.force_login(lead)
    page = client.get(bid.get_absolute_url()).content.decode()
    assert "Untiered: strictest obligations" not in page and "Low tier" in page


def test_finding_7_bid_page_and_memo_count_the_same_reference_checks(evaluation, lead, client):
    bid = _high_bid(evaluation)  # two reference checks owed, one sourced independently
    today = timezone.localdate()
    for source, organisation in ((ReferenceCheck.Source.INDEPENDENT, "Northwind"),
                                 (ReferenceCheck.Source.VENDOR_SUPPLIED, "Contoso")):
        services.reference_check_add(actor=lead, bid=bid, source=source, organisation=organisation,
                                     checked_on=today - timedelta(days=1), findings="Good service", rating=4)

    status = selectors.reference_status(bid)
    assert status.met and status.line == "Reference checks: 2 of 2 done, 1 of 1 sourced independently"
    client.force_login(lead)
    assert status.line in client.get(bid.get_absolute_url()).content.decode()

    dd = scoring_snapshot(evaluation, bid, today)["due_diligence"]
    assert status.line in dd["satisfied"]
    assert not [line for line in dd["gaps"] if line.lower().startswith("reference")], dd["gaps"]
