"""Issue 17, finding 10: money in its currency. The approval bands are in the base currency (EUR); a memo's
contract value is converted from its procedure's currency at the rate of the memo's decision date, the route
records the rate it used, and the memo shows it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse

from awards import services
from awards.approval_policy import Rule, select_rule
from awards.memo_documents import memo_page_data
from awards.models import ApprovalRoute, DecisionMemo, MemoVersion
from awards.services.memo import memo_content
from procurement.accounts.roles import Role
from procurement.exceptions import InvalidTransition
from procurement.exchange_rates import exchange_rate_record
from procurement.models import ExchangeRate
from tests.factories.accounts import UserFactory
from tests.factories.memos import PM, RC, shortlisted_procedure, written_memo
from vendors.models import Tier

pytestmark = pytest.mark.django_db

LONG_AGO = date(2000, 1, 1)  # a rate from this day applies to any decision date the suite may meet
MID_BAND = "100k to under 1M, low to high tier"
LOW_BAND = "Under 100k, low or medium tier"


@pytest.fixture
def administrator():
    return UserFactory(is_superuser=True, is_staff=True)


def rate(actor, currency: str, value: str, valid_from: date, reason: str = "Monthly fixing"):
    return exchange_rate_record(actor=actor, currency=currency, rate=value, valid_from=valid_from,
                                source="Central bank fixing", reason=reason)


def memo_in(currency: str, lead, business_owner, value: str = "95000") -> DecisionMemo:
    """A complete draft memo (low-tier vendor) whose procedure prices the contract in `currency`."""
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal(value), tier=Tier.LOW)
    procedure = shortlist.procedure
    procedure.currency = currency
    procedure._change_reason = f"test: the contract is priced in {currency}"
    procedure.save()
    return written_memo(shortlist)


def test_finding_10_a_usd_memo_is_routed_by_its_value_in_euros(lead, business_owner, administrator):
    """Before: 95,000 USD was compared with the EUR bands as if it were 95,000 EUR and went to the below-100k rule."""
    rate(administrator, "USD", "1.10", LONG_AGO)
    memo = memo_in("USD", lead, business_owner)
    # A rate that only starts after the decision date must not be used (it would bring the value under 100k).
    rate(administrator, "USD", "0.90", memo.decision_date + timedelta(days=1), reason="Next fixing")

    memo = services.memo_submit(actor=lead, memo=memo)

    route = ApprovalRoute.objects.get(memo=memo)
    assert route.rule_name == MID_BAND
    assert [s.committee.key for s in route.steps.order_by("position")] == [PM, RC]
    assert (route.contract_value, route.currency, route.exchange_rate, route.rate_date, route.base_value) == (
        Decimal("95000.00"), "USD", Decimal("1.10"), LONG_AGO, Decimal("104500.00"))
    assert "contract value 104,500 EUR (95,000 USD = 104,500 EUR at 1.1 (rate of 2000-01-01))" \
        in route.rule_explanation
    assert "from 100,000 EUR below 1,000,000 EUR" in route.rule_explanation


def test_finding_10_a_memo_in_a_currency_without_a_rate_cannot_be_submitted(lead, business_owner, administrator,
                                                                             client):
    """Before: a CHF amount with no known rate was routed as if it were euros."""
    memo = memo_in("CHF", lead, business_owner)
    # A CHF rate exists, but only from the day after the decision date: it does not apply on the decision date.
    rate(administrator, "CHF", "1.06", memo.decision_date + timedelta(days=1))
    day = memo.decision_date.isoformat()

    with pytest.raises(InvalidTransition) as refused:
        services.memo_submit(actor=lead, memo=memo)

    assert f"no exchange rate for CHF on or before {day}" in str(refused.value)
    memo.refresh_from_db()
    assert (memo.status, memo.version, memo.content_hash) == (DecisionMemo.Status.DRAFT, 0, "")
    assert not MemoVersion.objects.filter(memo=memo).exists()
    assert not ApprovalRoute.objects.filter(memo=memo).exists()
    data = memo_page_data(memo)
    missing = [f for f in data["findings"] if f["code"] == "exchange_rate_missing"]
    assert len(missing) == 1 and missing[0]["blocking"] and "CHF" in missing[0]["message"]
    assert "no exchange rate for CHF" in data["route_preview"]
    client.force_login(lead)
    page = client.get(reverse("awards:memo_detail", args=[memo.reference])).content.decode()
    assert f"There is no exchange rate for CHF on or before {day}" in page
    assert "Blocks submission:" in page


def test_finding_10_the_memo_content_and_the_rendered_memo_show_the_rate(lead, business_owner, administrator,
                                                                          client):
    """Before: the memo showed the contract value with no word of the rate the route was chosen by."""
    rate(administrator, "USD", "1.10", LONG_AGO)
    memo = memo_in("USD", lead, business_owner)
    sentence = "95,000 USD = 104,500 EUR at 1.1 (rate of 2000-01-01)"

    content = memo_content(memo)
    assert content["exchange_rate"] == {"currency": "USD", "base_currency": "EUR", "rate": "1.1",
                                        "rate_date": "2000-01-01", "base_value": "104500.00",
                                        "sentence": sentence, "missing": ""}

    memo = services.memo_submit(actor=lead, memo=memo)

    version = MemoVersion.objects.get(memo=memo)
    assert version.content["exchange_rate"]["sentence"] == sentence  # frozen and signed with the rest
    client.force_login(lead)
    page = client.get(reverse("awards:memo_detail", args=[memo.reference])).content.decode()
    assert f"Contract value {sentence}" in page
    assert "104,500 EUR" in page  # the route's explanation speaks of the base-currency value
    pdf_html = render_to_string("awards/memo/memo_pdf.html", {**memo_page_data(memo),
                                                              "document": {"kind": "Award decision memo"}})
    assert sentence in pdf_html
    # A rate recorded later changes neither the frozen memo nor its route.
    rate(administrator, "USD", "0.50", date(2001, 1, 1), reason="Late correction")
    assert MemoVersion.objects.get(memo=memo).content["exchange_rate"]["sentence"] == sentence
    assert ApprovalRoute.objects.get(memo=memo).base_value == Decimal("104500.00")


def test_a_memo_in_the_base_currency_converts_at_one_and_shows_no_rate_line(lead, business_owner, client):
    memo = memo_in("EUR", lead, business_owner, value="95000")

    memo = services.memo_submit(actor=lead, memo=memo)

    route = ApprovalRoute.objects.get(memo=memo)
    assert route.rule_name == LOW_BAND
    assert (route.currency, route.exchange_rate, route.rate_date, route.base_value) == (
        "EUR", Decimal("1"), None, Decimal("95000.00"))
    client.force_login(lead)
    page = client.get(reverse("awards:memo_detail", args=[memo.reference])).content.decode()
    assert 'data-testid="exchange-rate"' not in page


def test_the_explanation_names_the_base_currency_and_the_conversion():
    rule = Rule(1, "mid", Decimal("100000"), Decimal("1000000"), frozenset({"low"}), (PM, RC))

    route = select_rule([rule], value=Decimal("104500"), tier="low", currency="EUR",
                        conversion="95,000 USD = 104,500 EUR at 1.1 (rate of 2000-01-01)")

    assert route.explanation == ("Rule “mid”: contract value 104,500 EUR (95,000 USD = 104,500 EUR at 1.1 (rate of "
                                 "2000-01-01)) is from 100,000 EUR below 1,000,000 EUR, vendor tier low.")


def test_a_lead_cannot_record_the_rate_that_routes_their_own_memo(lead):
    assert Role.PROCUREMENT_LEAD in {g.name for g in lead.groups.all()}

    with pytest.raises(PermissionDenied):
        rate(lead, "USD", "0.5", LONG_AGO)

    assert not ExchangeRate.objects.exists()
