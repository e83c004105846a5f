"""From the bidder's price page to the cost comparison (issue 20): two bidders seal their schedules through the
portal page, the bids are opened with witnesses after proposals-due, and only then do the procedure page and the
results show each bid's total, rate and price score."""

from datetime import date

import pytest
from django.urls import reverse

from awards import services
from awards.models import PriceLine
from awards.models.scorecard import Criterion, CriterionGroup, Scorecard
from procurement.exchange_rates import exchange_rate_record
from tests.factories.accounts import UserFactory
from tests.factories.sealed import assumption, bid_with_bidder, open_portal_procedure, pass_deadline, pdf, witness

pytestmark = pytest.mark.django_db


def _post_schedule(client, bidder, procedure, currency, lines):
    client.force_login(bidder)
    data = {"currency": currency, "rows": str(len(lines)), "action": "save"}
    for index, line in enumerate(lines):
        for name in ("kind", "label", "amount", "period", "assumption"):
            data[f"{name}-{index}"] = line.get(name, "")
    return client.post(reverse("portal:price", args=[procedure.reference]), data)


def test_sealed_prices_are_compared_only_after_the_opening(client, settings):
    settings.BATON_BID_OPENING_WITNESSES = 2
    procedure = open_portal_procedure(term_months=12)
    card = Scorecard.objects.create(procedure=procedure, price_formula="lowest_ratio")
    group = CriterionGroup.objects.create(scorecard=card, key="cost", name="Cost", weight=100)
    Criterion.objects.create(scorecard=card, group=group, key="price", name="Price", price_scored=True)
    assumption(procedure)  # 100 million tokens a month
    exchange_rate_record(actor=UserFactory(is_superuser=True, is_staff=True), currency="USD", rate="0.8",
                         valid_from=date(2000, 1, 1), source="Fixing",
                         reason="Fixing")
    euro_bid, anna = bid_with_bidder(procedure, "anna")
    dollar_bid, ben = bid_with_bidder(procedure, "ben")
    for bid, bidder, currency, lines in (
            (euro_bid, anna, "EUR", [{"kind": "recurring", "label": "Fee", "amount": "1000", "period": "month"}]),
            (dollar_bid, ben, "USD", [{"kind": "usage", "label": "Tokens", "amount": "10", "assumption": "tokens"}])):
        assert _post_schedule(client, bidder, procedure, currency, lines).status_code == 302
        services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf(body=bidder.username.encode()))
        services.sealed_submit(actor=bidder, bid=bid)
    client.force_login(procedure.lead)
    page = client.get(reverse("awards:procedure_detail", args=[procedure.reference])).content.decode()
    assert 'id="cost-comparison"' not in page  # sealed: nothing to compare before the opening
    assert not PriceLine.objects.exists()

    pass_deadline(procedure)
    witnesses = [procedure.lead, witness(procedure)]
    opening = services.bid_opening_start(actor=procedure.lead, procedure=procedure, witnesses=witnesses)
    for person in witnesses:
        services.opening_witness_confirm(actor=person, opening=opening)
    assert PriceLine.objects.filter(bid=dollar_bid).get().assumption.key == "tokens"

    page = client.get(reverse("awards:procedure_detail", args=[procedure.reference])).content.decode()
    # 1,000 × 12 = 12,000 EUR; 10 × 100 × 12 = 12,000 USD = 9,600 EUR at 0.8: the dollar bid is cheaper
    assert "€12,000.00" in page and "US$12,000.00" in page and "€9,600.00" in page
    assert "5.00 of 5" in page and "4.00 of 5" in page  # 5 × 9,600 ÷ 12,000 = 4
