"""Price in the memo (issue 20): the memo's cost comparison, and the approval route chosen by the recommended bid's
total cost over the term (not the estimate) when the bid has a price schedule."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from awards import services
from awards.memo_documents import memo_page_data
from awards.models import ApprovalRoute, MemoVersion
from awards.services.memo import memo_content
from awards.services.price import price_lines_from_schedule
from procurement.exchange_rates import exchange_rate_record
from tests.factories.accounts import UserFactory
from tests.factories.memos import PM, RC, shortlisted_procedure, written_memo
from vendors.models import Tier

pytestmark = pytest.mark.django_db

LONG_AGO = date(2000, 1, 1)
MID_BAND = "100k to under 1M, low to high tier"
LOW_BAND = "Under 100k, low or medium tier"


@pytest.fixture
def administrator():
    return UserFactory(is_superuser=True, is_staff=True)


def priced_memo(lead, business_owner, administrator):
    """An estimate of 95,000 EUR (the low band), but the recommended bid quotes 6,250 USD a month over 24 months
    = 150,000 USD, 165,000 EUR at 1.10 (the mid band); the runner-up quotes in euros."""
    exchange_rate_record(actor=administrator, currency="USD", rate="1.10", valid_from=LONG_AGO, source="Fixing",
                         reason="Monthly fixing")
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("95000"),
                                      tier=Tier.LOW)
    # a later rate, in force only after proposals-due: it must not be used
    exchange_rate_record(actor=administrator, currency="USD", rate="0.50", valid_from=shortlist.procedure.proposals_due
                         + timedelta(days=1), source="Fixing", reason="Next fixing")
    price_lines_from_schedule(actor=lead, bid=shortlist.bids[0], schedule={"currency": "USD", "lines": [
        {"kind": "recurring", "label": "Licence", "amount": "6250", "period": "month"}]})
    price_lines_from_schedule(actor=lead, bid=shortlist.bids[1], schedule={"currency": "EUR", "lines": [
        {"kind": "one_off", "label": "Set-up", "amount": "20000"},
        {"kind": "recurring", "label": "Licence", "amount": "60000", "period": "year"}]})
    return written_memo(shortlist), shortlist


def test_the_route_is_chosen_by_the_recommended_bids_total_cost_and_says_so(lead, business_owner, administrator):
    memo, shortlist = priced_memo(lead, business_owner, administrator)

    memo = services.memo_submit(actor=lead, memo=memo)

    route = ApprovalRoute.objects.get(memo=memo)
    assert route.rule_name == MID_BAND  # the estimate alone (95,000 EUR) would have gone to the low band
    assert [s.committee.key for s in route.steps.order_by("position")] == [PM, RC]
    assert (route.contract_value, route.currency, route.exchange_rate, route.base_value) == (
        Decimal("150000.00"), "USD", Decimal("1.10"), Decimal("165000.00"))
    assert "total cost over the 24-month term" in route.rule_explanation
    assert "150,000 USD = 165,000 EUR at 1.1" in route.rule_explanation
    assert route.history.first().history_user == lead


def test_without_a_price_schedule_the_route_uses_the_contract_value_as_before(lead, business_owner):
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("95000"),
                                      tier=Tier.LOW)
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))

    route = ApprovalRoute.objects.get(memo=memo)
    assert route.rule_name == LOW_BAND
    assert route.contract_value == Decimal("95000.00") and route.base_value == Decimal("95000.00")
    assert "cost_comparison" not in MemoVersion.objects.get(memo=memo).content


def test_the_memo_shows_the_cost_comparison_frozen_with_its_content(lead, business_owner, administrator, client):
    memo, shortlist = priced_memo(lead, business_owner, administrator)
    content = memo_content(memo)
    rows = {row["vendor"]: row for row in content["cost_comparison"]["rows"]}
    first, second, third = (str(b.vendor) for b in shortlist.bids)
    assert rows[first] == {"bid": str(shortlist.bids[0].pk), "vendor": first, "currency": "USD",
                           "total": "150000.00", "rate": "1.1", "rate_date": "2000-01-01",
                           "base_total": "165000.00", "score": None, "problem": ""}
    assert rows[second]["total"] == "140000.00" and rows[second]["base_total"] == "140000.00"
    assert rows[third]["total"] is None and "no price schedule" in rows[third]["problem"]
    assert content["route_value"]["source"] == "price"

    memo = services.memo_submit(actor=lead, memo=memo)

    version = MemoVersion.objects.get(memo=memo)
    assert version.content["cost_comparison"] == content["cost_comparison"]  # hashed and signed with the rest
    client.force_login(lead)
    page = client.get(reverse("awards:memo_detail", args=[memo.reference])).content.decode()
    assert "Cost comparison" in page and "US$150,000.00" in page and "165,000.00" in page
    assert "The approval route is chosen by the recommended bid&#x27;s total cost" in page
    pdf_html = render_to_string("awards/memo/memo_pdf.html", {**memo_page_data(memo),
                                                              "document": {"kind": "Award decision memo"}})
    assert "Cost comparison" in pdf_html and "140,000.00 EUR" in pdf_html
