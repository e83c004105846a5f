"""Exchange rates: the rate that applies on a day (with its history and boundary days), recording a rate (and the
refusals that write nothing), and the exchange-rates page."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from procurement.exchange_rates import exchange_rate_record
from procurement.models import ExchangeRate
from procurement.money import MissingRate, base_currency, rate_on, to_base
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

JAN, MAR, JUN = date(2026, 1, 1), date(2026, 3, 1), date(2026, 6, 15)


@pytest.fixture
def admin_user():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def finance():
    """Not an administrator, but trusted with the rates through the model permission."""
    person = UserFactory()
    person.user_permissions.add(Permission.objects.get(codename="add_exchangerate"))
    return person


def record(actor, currency="USD", rate="1.10", valid_from=JAN, **extra):
    values = {"source": "Central bank fixing", "reason": "Monthly fixing", **extra}
    return exchange_rate_record(actor=actor, currency=currency, rate=rate, valid_from=valid_from, **values)


@pytest.fixture
def usd_history(admin_user):
    record(admin_user, rate="1.10", valid_from=JAN)
    record(admin_user, rate="1.05", valid_from=MAR)
    record(admin_user, rate="0.9876543210", valid_from=JUN, reason="Correction of the March fixing")
    return admin_user


# --- which rate applies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "rate", "since"), [
    (JAN, "1.10", JAN),  # the first day of a rate is inside it
    (date(2026, 2, 28), "1.10", JAN),  # the day before the next rate
    (MAR, "1.05", MAR),  # the next rate takes over on its own first day
    (date(2026, 6, 14), "1.05", MAR),
    (JUN, "0.9876543210", JUN),
    (date(2031, 1, 1), "0.9876543210", JUN),  # the latest rate applies for as long as no later one exists
])
def test_the_latest_rate_on_or_before_the_day_applies(usd_history, day, rate, since):
    used = rate_on("usd", day)

    assert (used.currency, used.rate, used.valid_from) == ("USD", Decimal(rate), since)
    assert used.base_currency == "EUR"


def test_a_day_before_the_first_rate_has_no_rate_and_says_so(usd_history):
    with pytest.raises(MissingRate) as refused:
        rate_on("USD", date(2025, 12, 31))

    assert isinstance(refused.value, DomainError)
    assert "USD" in str(refused.value) and "2025-12-31" in str(refused.value)
    with pytest.raises(MissingRate, match="GBP.*2026-06-15"):
        to_base(Decimal("10"), "GBP", JUN)


def test_conversion_is_to_the_cent_and_the_base_currency_converts_at_one(usd_history):
    assert to_base(Decimal("95000"), "USD", JAN) == Decimal("104500.00")
    assert to_base(Decimal("1000"), "USD", JUN) == Decimal("987.65")  # 987.654321 rounded half up
    base = rate_on("EUR", date(1990, 1, 1))  # no row needed, any day
    assert (base.rate, base.valid_from, base.is_base) == (Decimal(1), None, True)
    assert to_base(Decimal("123.45"), "eur", JAN) == Decimal("123.45")
    assert rate_on("USD", MAR).describe(Decimal("1200000")) == \
        "1,200,000 USD = 1,260,000 EUR at 1.05 (rate of 2026-03-01)"


def test_the_base_currency_is_a_setting(usd_history, settings):
    settings.BATON_BASE_CURRENCY = "usd"

    assert base_currency() == "USD"
    assert to_base(Decimal("50"), "USD", JAN) == Decimal("50.00")
    with pytest.raises(MissingRate, match="EUR"):
        rate_on("EUR", JAN)


# --- recording a rate -------------------------------------------------------------------------------------------


def test_a_recorded_rate_keeps_who_when_and_why(finance):
    row = record(finance, currency=" gbp ", rate="1.1734", valid_from=MAR, note="Mid-market")

    assert (row.currency, row.rate, row.valid_from, row.recorded_by) == ("GBP", Decimal("1.1734"), MAR, finance)
    history = list(row.history.all())
    assert [(h.history_type, h.history_user, h.history_change_reason) for h in history] == [
        ("+", finance, "Monthly fixing")]


@pytest.mark.parametrize(("changes", "field"), [
    ({"rate": "0"}, "rate"),
    ({"rate": "-1.2"}, "rate"),
    ({"rate": "abc"}, "rate"),
    ({"rate": "NaN"}, "rate"),
    ({"rate": None}, "rate"),
    ({"currency": "EUR"}, "currency"),  # the base currency converts at 1 by definition
    ({"currency": "U$"}, "currency"),
    ({"reason": "   "}, "reason"),
    ({"source": ""}, "source"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_written(admin_user, changes, field):
    before = ExchangeRate.history.count()

    with pytest.raises(ValidationError) as refused:
        record(admin_user, **changes)

    assert field in refused.value.message_dict
    assert ExchangeRate.objects.count() == 0
    assert ExchangeRate.history.count() == before


def test_a_second_rate_for_the_same_day_is_refused_and_the_first_is_unchanged(usd_history):
    with pytest.raises(ValidationError) as refused:
        record(usd_history, currency="usd", rate="2.00", valid_from=MAR, reason="Fix the March rate in place")

    assert "valid_from" in refused.value.message_dict
    assert "already has a rate" in refused.value.message_dict["valid_from"][0]
    assert ExchangeRate.objects.get(currency="USD", valid_from=MAR).rate == Decimal("1.05")
    assert ExchangeRate.objects.count() == 3 and ExchangeRate.history.count() == 3


@pytest.mark.parametrize("roles", [[Role.PROCUREMENT_LEAD], [Role.AUDITOR], [Role.COMMITTEE_APPROVER], []])
def test_only_administrators_and_those_they_trust_record_rates(roles):
    """A procurement lead in particular: the rate decides how high the lead's own memo is routed."""
    person = UserFactory(roles=roles)

    with pytest.raises(PermissionDenied):
        record(person)
    assert ExchangeRate.objects.count() == 0


def test_an_inactive_holder_of_the_permission_records_nothing(finance):
    finance.is_active = False
    finance.save()

    with pytest.raises(PermissionDenied):
        record(finance)
    assert ExchangeRate.objects.count() == 0


# --- the page ---------------------------------------------------------------------------------------------------


@pytest.mark.time_machine(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")), tick=False)
def test_the_page_lists_every_rate_with_its_history_link_and_the_rate_in_force(client, usd_history):
    client.force_login(UserFactory(roles=[Role.PROCUREMENT_LEAD]))

    page = client.get(reverse("exchange_rates"))

    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("Central bank fixing") == 3
    for shown in ("1.1", "1.05", "0.987654321", "2026-01-01", "2026-03-01", "2026-06-15"):
        assert shown in text
    assert "1 USD = 0.987654321 EUR (since 2026-06-15)" in text  # in force on 1 December 2026
    row = ExchangeRate.objects.get(valid_from=JUN)
    assert reverse("audit:object", args=["procurement.exchangerate", row.pk]) in text
    assert reverse("exchange_rate_record") not in text  # a lead may read, not record


def test_the_history_page_of_a_rate_shows_the_reason(client, usd_history):
    client.force_login(UserFactory(roles=[Role.AUDITOR]))
    row = ExchangeRate.objects.get(valid_from=JUN)

    page = client.get(reverse("audit:object", args=["procurement.exchangerate", row.pk]))

    assert page.status_code == 200
    assert "Correction of the March fixing" in page.content.decode()


def test_the_form_records_a_rate(client, finance):
    client.force_login(finance)
    assert client.get(reverse("exchange_rate_record")).status_code == 200

    answer = client.post(reverse("exchange_rate_record"), {
        "currency": "usd", "rate": "1.0831", "valid_from": "2026-11-30", "source": "Central bank fixing",
        "note": "", "reason": "November fixing"})

    assert answer.status_code == 302 and answer["Location"] == reverse("exchange_rates")
    row = ExchangeRate.objects.get()
    assert (row.currency, row.rate, row.valid_from, row.recorded_by) == ("USD", Decimal("1.0831"),
                                                                         date(2026, 11, 30), finance)
    assert row.history.get().history_change_reason == "November fixing"


def test_the_form_shows_a_refusal_at_its_field_and_writes_nothing(client, finance):
    client.force_login(finance)

    answer = client.post(reverse("exchange_rate_record"), {
        "currency": "USD", "rate": "-1", "valid_from": "2026-11-30", "source": "Fixing", "reason": "Try"})

    assert answer.status_code == 400
    assert "A rate is a positive number" in answer.content.decode()
    assert ExchangeRate.objects.count() == 0


@pytest.mark.parametrize("roles", [[Role.PROCUREMENT_LEAD], [Role.AUDITOR]])
def test_people_without_the_permission_cannot_open_or_post_the_form(client, roles):
    client.force_login(UserFactory(roles=roles))

    assert client.get(reverse("exchange_rate_record")).status_code == 403
    answer = client.post(reverse("exchange_rate_record"), {
        "currency": "USD", "rate": "0.5", "valid_from": "2026-11-30", "source": "Fixing", "reason": "Cheaper route"})

    assert answer.status_code == 403
    assert ExchangeRate.objects.count() == 0


def test_the_admin_shows_rates_but_changes_none(client, usd_history):
    client.force_login(usd_history)
    row = ExchangeRate.objects.get(valid_from=JUN)

    assert client.get(reverse("admin:procurement_exchangerate_changelist")).status_code == 200
    assert client.get(reverse("admin:procurement_exchangerate_add")).status_code == 403
    assert client.post(reverse("admin:procurement_exchangerate_delete", args=[row.pk]), {"post": "yes"}).status_code \
        == 403
    assert ExchangeRate.objects.count() == 3


def test_the_demo_seeds_rates_with_history_once(admin_user):
    import io

    from django.utils import timezone

    from procurement.demo import seed_rates

    seed_rates(admin_user, io.StringIO())
    seed_rates(admin_user, io.StringIO())  # idempotent

    assert set(ExchangeRate.objects.values_list("currency", flat=True)) == {"GBP", "USD"}
    assert ExchangeRate.objects.filter(currency="USD").count() == 3
    assert rate_on("USD", timezone.localdate()).rate == Decimal("0.9240")
    assert {h.history_change_reason for h in ExchangeRate.history.all()} == {"Demo data"}
