"""People and places (issue 21): amounts with their currency (the `money` filter), each person's time zone (the
middleware, the page that sets it, its service), Baton's own 404 page under DEBUG, and the demo sign-in table that
`make run` prints last."""

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from procurement.accounts.roles import Role
from procurement.management.commands.seed_demo import sign_in_table
from procurement.middleware import UserTimeZoneMiddleware
from procurement.templatetags.money import format_money
from procurement.time_zones import COMMON_ZONES, user_time_zone_set, zone_choices
from tests.factories.accounts import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.procurement.test_people_places_urls")]


# --- amounts ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (Decimal("1200000"), "EUR", "€1,200,000.00"),
    (Decimal("95000.5"), "usd", "US$95,000.50"),  # the code in any case; en-GB writes the dollar as US$
    (Decimal("-12.5"), "GBP", "-£12.50"),
    (1200, "JPY", "JP¥1,200"),  # the currency's own decimals: none for the yen
    (Decimal("5"), "", "5"),  # no currency: the number alone
    (None, "EUR", ""),
    ("", "EUR", ""),
    ("not a number", "EUR", "not a number"),  # shown as it is, never an error page
    (Decimal("NaN"), "EUR", "NaN"),
])
def test_money_writes_the_amount_with_its_currency_in_british_english(amount, currency, shown):
    assert format_money(amount, currency) == shown
    assert Template("{% load money %}{{ a|money:c }}").render(Context({"a": amount, "c": currency})) == shown


def test_money_follows_the_active_language_and_falls_back_to_british_english():
    with translation.override("de"):
        german = format_money(Decimal("1234.5"), "EUR")
    assert german == "1.234,50\xa0€"
    assert format_money(Decimal("1234.5"), "EUR", language="xx-nowhere") == "€1,234.50"


# --- time zones -------------------------------------------------------------------------------------------------
def _zone_seen_by_a_request(user):
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return None

    request = RequestFactory().get("/")
    request.user = user
    UserTimeZoneMiddleware(view)(request)
    return seen["zone"]


def test_the_middleware_activates_each_persons_zone_for_their_request_only(settings):
    settings.TIME_ZONE = "Europe/London"
    dubliner = UserFactory.build(time_zone="Europe/Dublin")
    unset = UserFactory.build(time_zone="")
    broken = UserFactory.build(time_zone="Atlantis/Capital")

    assert _zone_seen_by_a_request(dubliner) == "Europe/Dublin"
    assert timezone.get_current_timezone_name() == "Europe/London"  # deactivated after the request
    assert _zone_seen_by_a_request(unset) == "Europe/London"
    assert _zone_seen_by_a_request(broken) == "Europe/London"  # a stale name never breaks a page


def test_the_zone_list_puts_the_common_zones_first_and_is_sorted():
    blank, common, every = zone_choices("Site default")
    assert blank == ("", "Site default")
    assert [name for name, _ in common[1]] == list(COMMON_ZONES)
    names = [name for name, _ in every[1]]
    assert names == sorted(names) and "Europe/Dublin" in names and "UTC" in names
    assert not any(name.startswith("Etc/") for name in names)


def test_the_time_zone_page_stores_a_choice_with_history(client, django_assert_max_num_queries):
    person = UserFactory(roles=[Role.EVALUATOR])
    client.force_login(person)
    url = reverse("time_zone")

    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and '<label for="id_time_zone"' in html
    assert html.index('value="Europe/Dublin"') < html.index('value="Africa/Abidjan"')  # common ones first
    with django_assert_max_num_queries(20):  # session, user, the row, its history and the audit chain
        saved = client.post(url, {"time_zone": "America/New_York"})

    assert saved.status_code == 302 and saved["Location"] == reverse("notifications:preferences")
    person.refresh_from_db()
    assert person.time_zone == "America/New_York"
    row = person.history.first()
    assert (row.history_user, row.history_change_reason) == (person, "Time zone set to America/New_York")
    assert client.post(url, {"time_zone": ""}).status_code == 302
    person.refresh_from_db()
    assert person.time_zone == ""


def test_a_zone_not_on_the_list_is_refused_next_to_the_field_and_nothing_is_saved(client):
    person = UserFactory(time_zone="Europe/Dublin")
    client.force_login(person)
    rows = person.history.count()

    for bad in ("Mars/Olympus_Mons", "../../etc/passwd", "Europe/Dublin\x00", "x" * 500, "localtime"):
        answer = client.post(reverse("time_zone"), {"time_zone": bad})
        assert answer.status_code == 400
        assert "error-summary" in answer.content.decode()
    person.refresh_from_db()
    assert person.time_zone == "Europe/Dublin" and person.history.count() == rows


def test_the_page_asks_a_visitor_to_sign_in(client):
    answer = client.get(reverse("time_zone"))
    assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_people_set_only_their_own_zone_and_only_a_real_one():
    person, other = UserFactory(), UserFactory()

    with pytest.raises(PermissionDenied):
        user_time_zone_set(actor=other, user=person, time_zone="Asia/Tokyo")
    with pytest.raises(ValidationError):
        user_time_zone_set(actor=person, user=person, time_zone="Asia/Atlantis")
    person.refresh_from_db()
    assert person.time_zone == ""


def test_pages_show_times_in_the_viewers_zone(client):
    person = UserFactory(time_zone="Asia/Tokyo")
    client.force_login(person)

    html = client.get(reverse("time_zone")).content.decode()

    now_in_tokyo = timezone.now().astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{now_in_tokyo:%H}:" in html and "Asia/Tokyo" in html


def test_the_preferences_page_links_to_the_time_zone_page(client):
    person = UserFactory(time_zone="Europe/Dublin")
    client.force_login(person)

    html = client.get(reverse("notifications:preferences")).content.decode()

    assert reverse("time_zone") in html and "Europe/Dublin" in html


# --- Baton's 404 page under DEBUG ---------------------------------------------------------------------------------
@override_settings(DEBUG=True)
def test_with_debug_on_an_unknown_address_gets_batons_404_page_not_the_url_list(client):
    client.force_login(UserFactory(roles=[Role.PROCUREMENT_LEAD]))

    unknown = client.get("/no-such-page/at-all/")
    raised = client.get(reverse("vendors:detail", args=[987654]))  # a view's own Http404

    for answer in (unknown, raised):
        html = answer.content.decode()
        assert answer.status_code == 404
        assert "There is nothing here that you can see" in html
        assert "URLconf" not in html and "urlpatterns" not in html and "admin/" not in html


@override_settings(DEBUG=True)
def test_with_debug_on_a_missing_slash_still_redirects(client):
    client.force_login(UserFactory())
    answer = client.get(reverse("notifications:preferences").rstrip("/"))
    assert answer.status_code == 301 and answer["Location"].endswith("/")


# --- make run's sign-in table ------------------------------------------------------------------------------------
def test_the_sign_in_table_lists_the_demo_people_present_with_what_to_try():
    UserFactory(username="lead", roles=[Role.PROCUREMENT_LEAD])
    UserFactory(username="auditor", roles=[Role.AUDITOR])
    for name in ("evaluator", "evaluator2", "evaluator3"):
        UserFactory(username=name, roles=[Role.EVALUATOR])
    UserFactory(username="someone-else", roles=[Role.EVALUATOR])
    UserFactory(username="gone", roles=[Role.EVALUATOR], is_active=False)

    table = sign_in_table("http://localhost:8000/", "pw-123")

    lines = table.splitlines()
    assert "open http://localhost:8000/" in table and "pw-123" in table
    assert any(line.startswith("lead ") and "Procurement lead" in line for line in lines)
    assert any(line.startswith("auditor ") for line in lines)
    assert any(line.startswith("someone-else ") for line in lines)
    assert any(line.startswith("evaluator … evaluator3 ") and "Evaluator" in line for line in lines)
    assert "evaluator2" not in table and "gone" not in table and "approver" not in table  # only who is there
