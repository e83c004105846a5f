"""Price pages and services (issue 20): the lead's volume assumptions (announced to bidders once the RFP is out,
fixed after proposals-due), the lead's price schedule for a bid received outside Baton, the procedure page's cost
comparison, the scorecard's price formula, and the bidder's sealed price schedule in the portal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from awards.models import BidderNotice, PriceLine, SealedItem, VolumeAssumption
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, CriterionGroup, Scorecard
from awards.services.price_assumptions import volume_assumption_add
from awards.services.scorecard import scorecard_set_price
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.awards import AwardProcedureFactory, BidFactory
from tests.factories.sealed import assumption, bid_with_bidder, open_portal_procedure, pass_deadline

pytestmark = pytest.mark.django_db


def _rows(currency, *lines):
    data = {"currency": currency, "rows": str(len(lines))}
    for index, line in enumerate(lines):
        for name in ("kind", "label", "amount", "period", "assumption"):
            data[f"{name}-{index}"] = line.get(name, "")
    return data


# --- volume assumptions ---------------------------------------------------------------------------------------


def test_the_lead_adds_an_assumption_and_every_invited_bidder_is_told(client):
    procedure = open_portal_procedure()
    bids = [bid_with_bidder(procedure)[0] for _ in range(2)]
    client.force_login(procedure.lead)

    response = client.post(reverse("awards:price_assumption_add", args=[procedure.reference]),
                           {"label": "Input tokens", "unit": "million tokens", "monthly_volume": "40", "key": ""})

    assert response.status_code == 302
    row = VolumeAssumption.objects.get(procedure=procedure)
    assert (row.key, row.monthly_volume) == ("input-tokens", Decimal("40"))
    assert row.history.first().history_user == procedure.lead
    notices = BidderNotice.objects.filter(procedure=procedure, kind="clarification")
    assert sorted(n.bid_id for n in notices) == sorted(b.pk for b in bids)
    assert "40 million tokens per month" in notices.first().body


def test_assumptions_are_fixed_after_proposals_due(client):
    procedure = open_portal_procedure()
    row = assumption(procedure)
    pass_deadline(procedure)
    client.force_login(procedure.lead)

    response = client.post(reverse("awards:price_assumption_edit", args=[procedure.reference, row.pk]),
                           {"label": "Input tokens", "unit": "million tokens", "monthly_volume": "1"})

    assert response.status_code == 409
    row.refresh_from_db()
    assert row.monthly_volume == Decimal("100")


def test_bad_volume_is_shown_next_to_the_field_and_nothing_is_saved(client):
    procedure = AwardProcedureFactory(stage=Stage.REQUIREMENTS)
    client.force_login(procedure.lead)

    response = client.post(reverse("awards:price_assumption_add", args=[procedure.reference]),
                           {"label": "Tokens", "unit": "million", "monthly_volume": "-3"})

    assert response.status_code == 400
    assert not VolumeAssumption.objects.filter(procedure=procedure).exists()


def test_outsiders_get_404_and_other_staff_who_see_it_get_403(client):
    procedure = AwardProcedureFactory(stage=Stage.REQUIREMENTS)
    url = reverse("awards:price_assumption_add", args=[procedure.reference])
    client.force_login(UserFactory(roles=[Role.EVALUATOR]))
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(roles=[Role.AUDITOR]))
    assert client.get(url).status_code == 403


# --- the lead's schedule for a recorded bid ------------------------------------------------------------------


@pytest.fixture
def recorded_bid():
    procedure = AwardProcedureFactory(stage=Stage.EVALUATION, submission="recorded", term_months=12,
                                      proposals_due=timezone.localdate() - timedelta(days=1))
    VolumeAssumption(procedure=procedure, key="tokens", label="Tokens", unit="million", monthly_volume=10).save()
    return BidFactory(procedure=procedure, status="submitted", submitted_at=timezone.now())


def test_the_lead_records_a_recorded_bids_price_schedule(client, recorded_bid):
    procedure = recorded_bid.procedure
    client.force_login(procedure.lead)
    url = reverse("awards:bid_price", args=[procedure.reference, recorded_bid.pk])
    data = _rows("eur", {"kind": "one_off", "label": "Set-up", "amount": "1000"},
                 {"kind": "usage", "label": "Tokens", "amount": "2.5", "assumption": "tokens"})

    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200 and "1,300 EUR" in preview.content.decode()  # 1,000 + 2.5 × 10 × 12
    assert not PriceLine.objects.filter(bid=recorded_bid).exists()

    response = client.post(url, {**data, "action": "save"})

    assert response.status_code == 302
    lines = list(PriceLine.objects.filter(bid=recorded_bid).order_by("position"))
    assert [(line.kind, line.amount) for line in lines] == [("one_off", Decimal("1000")), ("usage", Decimal("2.5"))]
    assert lines[0].history.first().history_user == procedure.lead
    recorded_bid.refresh_from_db()
    assert recorded_bid.price_currency == "EUR"
    assert recorded_bid.history.first().history_change_reason == "Price schedule recorded"


def test_a_bad_line_is_shown_next_to_its_row_and_nothing_is_saved(client, recorded_bid):
    procedure = recorded_bid.procedure
    client.force_login(procedure.lead)
    response = client.post(reverse("awards:bid_price", args=[procedure.reference, recorded_bid.pk]), {
        **_rows("EUR", {"kind": "one_off", "label": "Set-up", "amount": "1000"},
                {"kind": "recurring", "label": "Fee", "amount": "lots", "period": "month"}), "action": "save"})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="err-1"' in page and "“lots” is not an amount" in page
    assert not PriceLine.objects.filter(bid=recorded_bid).exists()


def test_the_procedure_page_compares_costs_in_bounded_queries(client, recorded_bid, django_assert_max_num_queries):
    procedure = recorded_bid.procedure
    for n in range(4):
        bid = BidFactory(procedure=procedure, status="submitted", submitted_at=timezone.now())
        PriceLine(bid=bid, kind="recurring", label="Fee", amount=1000 + n, period="month",
                  recorded_by=procedure.lead).save()
        bid.price_currency = "EUR"
        bid.save()
    client.force_login(procedure.lead)
    url = reverse("awards:procedure_detail", args=[procedure.reference])
    client.get(url)
    with django_assert_max_num_queries(120):
        page = client.get(url).content.decode()
    assert 'id="cost-comparison"' in page and "€12,036.00" in page  # 1,003 × 12
    assert "no price schedule recorded" in page  # the bid without one says so


# --- the scorecard's price formula ----------------------------------------------------------------------------


def test_the_linear_formula_needs_a_ceiling_and_a_change_after_the_lock_needs_a_reason(client):
    procedure = AwardProcedureFactory(stage=Stage.REQUIREMENTS)
    card = Scorecard.objects.create(procedure=procedure)
    group = CriterionGroup.objects.create(scorecard=card, key="cost", name="Cost", weight=100)
    criterion = Criterion.objects.create(scorecard=card, group=group, key="price", name="Price")
    client.force_login(procedure.lead)
    url = reverse("awards:scorecard_price", args=[procedure.reference])

    refused = client.post(url, {"formula": "linear", "criterion": criterion.pk, "ceiling": ""})
    assert refused.status_code == 400 and "needs a ceiling" in refused.content.decode()

    assert client.post(url, {"formula": "linear", "criterion": criterion.pk, "ceiling": "500000"}).status_code == 302
    card.refresh_from_db()
    criterion.refresh_from_db()
    assert (card.price_formula, card.price_ceiling, criterion.price_scored) == ("linear", Decimal("500000"), True)
    assert card.history.first().history_user == procedure.lead

    card.locked_at = timezone.now()
    card.save()
    no_reason = client.post(url, {"formula": "lowest_ratio", "criterion": criterion.pk})
    assert no_reason.status_code == 400
    card.refresh_from_db()
    assert card.price_formula == "linear"
    scorecard_set_price(actor=procedure.lead, scorecard=card, formula="lowest_ratio", criterion=criterion,
                        reason="The ceiling was guesswork")
    card.refresh_from_db()
    assert card.price_formula == "lowest_ratio" and card.price_ceiling is None
    assert "The ceiling was guesswork" in card.history.first().history_change_reason


# --- the bidder's sealed price schedule -----------------------------------------------------------------------


def test_the_bidder_works_out_the_total_then_seals_the_schedule(client):
    procedure = open_portal_procedure(term_months=24)
    assumption(procedure)
    bid, bidder = bid_with_bidder(procedure)
    client.force_login(bidder)
    url = reverse("portal:price", args=[procedure.reference])
    data = _rows("USD", {"kind": "recurring", "label": "Platform", "amount": "1000", "period": "year"},
                 {"kind": "usage", "label": "Tokens", "amount": "0.5", "assumption": "tokens"})

    page = client.get(url).content.decode()
    assert "Input tokens" in page and "100 million tokens a month" in page

    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200 and "3,200 USD" in preview.content.decode()  # 2,000 + 0.5 × 100 × 24

    saved = client.post(url, {**data, "action": "save"})

    assert saved.status_code == 302
    item = SealedItem.objects.get(submission__bid=bid, kind="price_schedule", removed_at__isnull=True)
    assert item.history.first().history_user == bidder
    assert not PriceLine.objects.filter(bid=bid).exists()  # nothing readable before the opening
    again = client.get(url).content.decode()
    assert item.sha256 in again and "Saving again replaces it" in again
    assert "Platform" not in again  # the sealed content is never shown back


def test_bad_schedule_answers_400_and_seals_nothing(client):
    procedure = open_portal_procedure()
    bid, bidder = bid_with_bidder(procedure)
    client.force_login(bidder)
    response = client.post(reverse("portal:price", args=[procedure.reference]), {
        **_rows("EURO", {"kind": "usage", "label": "Tokens", "amount": "1", "assumption": "nope"}), "action": "save"})
    assert response.status_code == 400
    assert "three-letter currency" in response.content.decode()
    assert not SealedItem.objects.filter(submission__bid=bid).exists()


def test_another_bidder_and_staff_get_404_on_the_price_page(client):
    procedure = open_portal_procedure()
    bid_with_bidder(procedure)
    other_procedure = open_portal_procedure()
    _, stranger = bid_with_bidder(other_procedure)
    url = reverse("portal:price", args=[procedure.reference])
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(procedure.lead)
    assert client.get(url).status_code == 404


def test_a_later_assumption_is_announced_with_its_volume():
    procedure = open_portal_procedure()
    bid, _ = bid_with_bidder(procedure)
    volume_assumption_add(actor=procedure.lead, procedure=procedure, label="Seats", unit="seat", monthly_volume="250")
    notice = BidderNotice.objects.get(bid=bid)
    assert notice.kind == "clarification" and "250 seat per month" in notice.body
