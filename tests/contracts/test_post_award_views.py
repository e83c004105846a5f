"""Post-award pages: alerts on the contract page and the manager's home page, the performance page, permissions,
bad input and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import ChangeOrder, Invoice, KpiMeasurement
from procurement.accounts.roles import Role
from tests.factories.contracts import active_contract, milestone
from tests.factories.vendors import AttestationFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def url(name, contract, *args):
    return reverse(f"contracts:{name}", args=[contract.reference, *args])


def troubled(contract, lead, manager):
    """A KPI breach, a late unpaid invoice, a usage forecast over the cap and an expired attestation."""
    services.payment_terms_update(actor=manager, contract=contract, payment_model="usage", spend_cap=Decimal("1000"))
    kpi = services.kpi_add(actor=manager, contract=contract, name="Answer accuracy", unit="%",
                           threshold=Decimal("92"))
    services.measurement_record(actor=manager, kpi=kpi, measured_on=TODAY(), value=Decimal("88.5"))
    services.invoice_record(actor=manager, contract=contract, number="LATE-7", amount=Decimal("900"),
                            received_on=TODAY() - datetime.timedelta(days=45))
    AttestationFactory(vendor=contract.vendor, issuer="Audit House", issued_on=TODAY() - datetime.timedelta(days=400),
                       expires_on=TODAY() - datetime.timedelta(days=3))
    return contract


@pytest.fixture
def contract(lead, manager, business_owner):
    # started 60 days ago for a year: 900 spent in 60 days runs to ~5,000 against a cap of 1,000
    return active_contract(lead=lead, manager=manager, owner=business_owner,
                           start_date=TODAY() - datetime.timedelta(days=60),
                           end_date=TODAY() + datetime.timedelta(days=305))


def test_each_alert_shows_on_the_contract_page_and_the_managers_home_page(client, contract, lead, manager):
    troubled(contract, lead, manager)
    client.force_login(manager)
    for page in (contract.get_absolute_url(), "/"):
        text = client.get(page).text
        assert "KPI breach" in text and "Answer accuracy: 88.5 %" in text
        assert "Late payment" in text and "Invoice LATE-7" in text
        assert "Usage over cap" in text
        assert "Attestation expired" in text and "Audit House" in text


def test_a_quiet_contract_shows_no_alert(client, contract, manager):
    client.force_login(manager)
    text = client.get(contract.get_absolute_url()).text
    assert "Nothing needs attention" in text and "KPI breach" not in text
    assert "Nothing needs your attention" in client.get("/").text


def test_home_panel_is_only_for_the_contracts_you_manage(client, contract, lead, manager, make_user):
    troubled(contract, lead, manager)
    other = make_user(Role.POST_AWARD_MANAGER)
    client.force_login(other)
    assert "Answer accuracy" not in client.get("/").text


def test_home_panel_queries_do_not_grow_with_contracts(client, lead, manager, make_user):
    def home_queries():
        with CaptureQueriesContext(connection) as q:
            assert client.get("/").status_code == 200
        return len(q)

    first = troubled(active_contract(lead=lead, manager=manager), lead, manager)
    client.force_login(manager)
    client.get("/")  # warm the process-wide caches first
    one = home_queries()
    for _ in range(2):
        troubled(active_contract(lead=lead, manager=manager), lead, manager)
    assert home_queries() == one
    assert first.reference in client.get("/").text


def section(contract, name):
    return reverse("contracts:section", args=[contract.reference, name])


def test_contract_and_performance_pages_have_bounded_queries(client, contract, lead, manager,
                                                             django_assert_max_num_queries):
    troubled(contract, lead, manager)
    client.force_login(manager)
    # the landing page (the alerts) and the sections the grown rows show in, then the performance page
    pages = [contract.get_absolute_url(), section(contract, "delivery"), section(contract, "money"),
             section(contract, "performance"), url("performance", contract)]
    for page in pages:
        client.get(page)  # warm the process-wide caches (content types) first
    small = {}
    for page in pages:
        with CaptureQueriesContext(connection) as captured:
            client.get(page)
        small[page] = len(captured)
    kpi = contract.kpis.get()
    for n in range(1, 6):
        services.measurement_record(actor=manager, kpi=kpi, measured_on=TODAY() - datetime.timedelta(days=n),
                                    value=Decimal(90 + n))
        services.kpi_add(actor=manager, contract=contract, name=f"KPI {n}", threshold=Decimal(n))
        services.invoice_record(actor=manager, contract=contract, number=f"N-{n}", amount=Decimal(1),
                                received_on=TODAY())
        milestone(contract, actor=lead, title=f"M{n}")
        services.change_order_raise(actor=manager, contract=contract, title=f"CO {n}", reason="scope",
                                    description="More")
    big = {}
    for page in pages:
        with CaptureQueriesContext(connection) as captured:
            client.get(page)
        big[page] = len(captured)
    assert big == small
    for page in pages[:-1]:
        with django_assert_max_num_queries(75):
            client.get(page)
    with django_assert_max_num_queries(20):
        client.get(url("performance", contract))


def test_performance_page_draws_an_svg_trend_with_breaches_marked(client, contract, manager):
    kpi = services.kpi_add(actor=manager, contract=contract, name="Latency p95", unit="ms", direction="at_most",
                           threshold=Decimal("800"))
    for days, value in ((3, 500), (2, 950), (1, 700)):
        services.measurement_record(actor=manager, kpi=kpi, measured_on=TODAY() - datetime.timedelta(days=days),
                                    value=Decimal(value))
    client.force_login(manager)
    text = client.get(url("performance", contract)).text
    svg = text[text.index("<svg"):text.index("</svg>")]
    assert svg.count("<circle") == 3 and "\u2715" in svg and "breach" in svg and "threshold 800" in svg
    assert "<script" not in svg and "style=" not in svg and "1 breach" in text


def test_outsiders_get_404_and_team_members_403_on_manager_pages(client, contract, manager, business_owner,
                                                                 make_user, auditor):
    kpi = services.kpi_add(actor=manager, contract=contract, name="Uptime", threshold=Decimal("99"))
    outsider = make_user(Role.POST_AWARD_MANAGER)
    client.force_login(outsider)
    for name, args in (("performance", ()), ("measurement_add", (kpi.pk,)), ("invoice_add", ()),
                       ("exit_start", ())):
        assert client.get(url(name, contract, *args)).status_code == 404
    client.force_login(business_owner)  # on the team: sees the contract, may not manage it
    assert client.get(url("performance", contract)).status_code == 200
    response = client.post(url("measurement_add", contract, kpi.pk), {"measured_on": TODAY(), "value": "1"})
    assert response.status_code == 403 and not KpiMeasurement.objects.exists()
    client.force_login(auditor)
    assert client.post(url("invoice_add", contract), {"number": "X", "amount": "1", "received_on": TODAY()}) \
        .status_code == 403
    assert not Invoice.objects.exists()


def test_change_order_decision_page_is_403_for_all_but_the_accountable(client, contract, lead, manager,
                                                                       business_owner):
    order = services.change_order_raise(actor=manager, contract=contract, title="v4", reason="model_version",
                                        description="Model swap", cost_impact=Decimal("100"))
    value = contract.value
    for user in (lead, manager):
        client.force_login(user)
        response = client.post(url("change_order_decide", contract, order.pk), {"decision": "approve", "note": "x"})
        assert response.status_code == 403
    assert ChangeOrder.objects.get(pk=order.pk).status == "proposed"
    client.force_login(business_owner)
    response = client.post(url("change_order_decide", contract, order.pk),
                           {"decision": "approve", "note": "Budget holds"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.value == value + 100
    history = ChangeOrder.objects.get(pk=order.pk).history.first()
    assert history.history_user == business_owner and history.history_change_reason == "CO-1 approved: Budget holds"


def test_bad_invoice_input_gives_field_errors_and_saves_nothing(client, contract, manager):
    client.force_login(manager)
    response = client.post(url("invoice_add", contract), {"number": "", "amount": "-3", "received_on": "yesterday"})
    assert response.status_code == 400
    form = response.context["form"]
    assert {"number", "amount", "received_on"} <= set(form.errors)
    future = TODAY() + datetime.timedelta(days=2)
    response = client.post(url("invoice_add", contract), {"number": "F-1", "amount": "5", "received_on": future})
    assert response.status_code == 400 and "received_on" in response.context["form"].errors
    assert not Invoice.objects.exists()


def test_bad_csv_shows_each_row_problem_and_saves_nothing(client, contract, manager):
    services.kpi_add(actor=manager, contract=contract, name="Uptime", threshold=Decimal("99"))
    client.force_login(manager)
    data = f"kpi,measured_on,value\nUptime,{TODAY()},99.9\nUptime,{TODAY()},oops\n".encode()
    response = client.post(url("measurements_import", contract),
                           {"file": SimpleUploadedFile("m.csv", data, content_type="text/csv")})
    assert response.status_code == 400
    assert "Row 3:" in response.text and "must be a number" in response.text
    assert not KpiMeasurement.objects.exists()


def test_milestone_acceptance_through_the_page_with_a_file_served_only_when_intact(client, contract, lead, manager,
                                                                                  make_user):
    m = milestone(contract, actor=lead, acceptance_criteria="Routes 95% of claims")
    client.force_login(manager)
    client.post(url("milestone_deliver", contract, m.pk), {"delivered_on": TODAY(), "reason": "Build 7"})
    response = client.post(url("milestone_decide", contract, m.pk, "accept"),
                           {"evidence_note": "97% on replay",
                            "evidence_file": SimpleUploadedFile("report.txt", b"97% routed\n")})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == "accepted" and m.evidence_name == "report.txt"
    download = client.get(url("milestone_evidence", contract, m.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"97% routed\n"
    from django.core.files.storage import default_storage

    with default_storage.open(m.evidence_file.name, "wb") as handle:
        handle.write(b"tampered")
    assert client.get(url("milestone_evidence", contract, m.pk)).status_code == 409
    client.force_login(make_user(Role.POST_AWARD_MANAGER))
    assert client.get(url("milestone_evidence", contract, m.pk)).status_code == 404


def test_closing_with_open_exit_steps_is_refused_with_the_reasons(client, contract, manager):
    client.force_login(manager)
    client.post(url("exit_start", contract), {"reason": "Moving in-house"})
    contract.refresh_from_db()
    assert contract.status == "exiting" and contract.exit_steps.count() == 6
    response = client.post(url("exit_close", contract), {"reason": "done"})
    assert response.status_code == 409 and "neither done nor waived" in response.text
    contract.refresh_from_db()
    assert contract.status == "exiting"


def test_check_in_through_the_page_and_a_late_incident_show_on_the_contract_page(client, contract, manager):
    from contracts.checkins import questions

    client.force_login(manager)
    rows = questions("buying")
    data = {"held_on": TODAY(), "actions": "Run a refresher for new claims handlers (Olga, May)"}
    data.update({f"answer_{key}": f"Answer about {topic.lower()}" for key, topic, _ in rows})
    data[f"answer_{rows[0][0]}"] = ""
    response = client.post(url("checkin_add", contract, "buying"), data)
    assert response.status_code == 400 and contract.checkins.count() == 0  # one unanswered question: nothing saved
    data[f"answer_{rows[0][0]}"] = "Mostly happy; search is slow"
    assert client.post(url("checkin_add", contract, "buying"), data).status_code == 302
    now = timezone.now()
    client.post(url("incident_add", contract), {
        "kind": "security", "title": "Logs exposed",
        "occurred_at": (now - datetime.timedelta(hours=40)).strftime("%Y-%m-%dT%H:%M"),
        "detected_at": (now - datetime.timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M"),
        "notified_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    text = client.get(section(contract, "performance")).text
    assert rows[0][2][:40] in text and "Mostly happy; search is slow" in text and "Run a refresher" in text
    text = client.get(section(contract, "incidents")).text
    assert "Logs exposed" in text and "Late notification" in text
