"""The portfolio view (issue 21): who may read it, what each panel counts, a flat number of queries as data grows,
and the PDF report rendered through the documents kernel and read back."""

import datetime
import io
from decimal import Decimal

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from awards.models import PriceLine
from awards.models.procedure import Stage
from contracts.selectors import portfolio as selectors
from contracts.services import kpi_add, measurement_record
from tests.factories.awards import AwardProcedureFactory, EvaluatorAssignmentFactory
from tests.factories.contracts import open_contract
from tests.factories.vendors import AttestationFactory, VendorFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_leads_and_auditors_read_the_portfolio_others_are_refused(client, lead, auditor, evaluator, stranger):
    url = reverse("contracts:portfolio")
    assert client.get(url).status_code == 302  # anonymous: the sign-in page

    for person in (lead, auditor):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for _key, title in selectors.PANELS:
            assert title in html
        assert html.count("<svg") >= 6 and "Portfolio report" in html

    for person in (evaluator, stranger):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 403
        assert "Only procurement leads and auditors read the portfolio." in response.content.decode()


def test_the_panels_count_offers_breaches_attestations_evaluators_and_stages(lead, evaluator):
    # given a contract whose bid was priced 1,000 once plus 100 a month over its procedure's term
    contract = open_contract(lead=lead)
    bid = contract.bid
    term = bid.procedure.term_months
    for kind, amount, period in (("one_off", "1000", ""), ("recurring", "100", "month")):
        line = PriceLine(bid=bid, kind=kind, label=kind, amount=Decimal(amount), period=period, recorded_by=lead)
        line._history_user, line._change_reason = lead, "test: priced"
        line.save()
    if bid.price_currency not in ("", contract.currency):
        bid.price_currency = contract.currency
        bid.save()
    # a breached KPI, two attestations (one expiring in 30 days) and an evaluator on two procedures
    kpi = kpi_add(actor=lead, contract=contract, name="Availability", threshold=Decimal("99"), unit="%")
    measurement_record(actor=lead, kpi=kpi, measured_on=TODAY, value=Decimal("90"))
    AttestationFactory(vendor=contract.vendor)
    AttestationFactory(vendor=VendorFactory(), issued_on=TODAY - datetime.timedelta(days=300),
                       expires_on=TODAY + datetime.timedelta(days=30))
    for _ in range(2):
        EvaluatorAssignmentFactory(procedure=AwardProcedureFactory(lead=lead), evaluator=evaluator, assigned_by=lead)

    data = selectors.portfolio(lead)

    first = Decimal(1000 + 100 * term)
    offer = next(row for row in data["offers"]["rows"] if row["reference"] == contract.reference)
    assert offer["first"] == first and offer["final"] == contract.value
    assert offer["change"] == contract.value - first
    [breach] = [row for row in data["breaches"]["rows"] if row["vendor"] == str(contract.vendor)]
    assert breach["breaches"] == 1 and breach["kpis"] == 1
    assert data["attestations"]["expiring"] >= 1 and data["attestations"]["valid"] >= 1
    assert {"upcoming"} <= set(data["attestations"]) and any(r["days"] == 30 for r in data["attestations"]["upcoming"])
    load = next(row for row in data["evaluators"]["rows"] if row["name"] == (evaluator.get_full_name()
                                                                            or evaluator.get_username()))
    assert load["assignments"] == 2
    # the awarded procedure of the contract went through its stages: it is counted as awarded
    assert data["cycle"]["awarded"] >= 1
    assert data["spend"]["contracts"] == 1


def test_cycle_times_come_from_the_history_of_the_stage(lead):
    # given a procedure moved from draft to requirements (two history rows with different stages)
    procedure = AwardProcedureFactory(lead=lead)
    procedure.stage = Stage.REQUIREMENTS
    procedure._history_user, procedure._change_reason = lead, "test: requirements"
    procedure.save()
    procedure.title = procedure.title + " (edited)"  # a change that is not a stage change
    procedure._change_reason = "test: edit"
    procedure.save()

    cycle = selectors.cycle_times(lead)

    draft = next(row for row in cycle["rows"] if row["stage"] == Stage.DRAFT)
    requirements = next(row for row in cycle["rows"] if row["stage"] == Stage.REQUIREMENTS)
    assert draft["completed"] == 1 and draft["mean_days"] is not None and draft["mean_days"] >= 0
    assert requirements["now_in"] == 1 and requirements["completed"] == 0


def test_a_contract_without_a_priced_bid_is_skipped_and_counted(lead):
    open_contract(lead=lead)

    offers = selectors.offers(lead)

    assert offers["rows"] == [] and offers["unpriced"] == 1


def test_the_portfolio_runs_the_same_number_of_queries_as_data_grows(client, lead, evaluator,
                                                                     django_assert_max_num_queries):
    def grow():
        contract = open_contract(lead=lead)
        kpi = kpi_add(actor=lead, contract=contract, name="Uptime", threshold=Decimal("99"), unit="%")
        measurement_record(actor=lead, kpi=kpi, measured_on=TODAY, value=Decimal("98"))
        AttestationFactory(vendor=contract.vendor)
        EvaluatorAssignmentFactory(procedure=contract.procedure, evaluator=evaluator, assigned_by=lead)

    client.force_login(lead)
    url = reverse("contracts:portfolio")

    def count() -> int:
        with django_assert_max_num_queries(PORTFOLIO) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries)

    grow()
    client.get(url)
    small = count()
    grow()
    grow()
    assert count() == small


PORTFOLIO = 24


def test_the_pdf_report_has_every_panel_and_its_figures(client, lead, django_capture_on_commit_callbacks):
    # given a contract with a breached KPI
    contract = open_contract(lead=lead)
    kpi = kpi_add(actor=lead, contract=contract, name="Availability", threshold=Decimal("99"), unit="%")
    measurement_record(actor=lead, kpi=kpi, measured_on=TODAY, value=Decimal("90"))
    client.force_login(lead)

    # when the lead asks for the report from the page (the task renders on commit, eagerly here)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:request", args=["portfolio_report", lead.pk]))
    assert response.status_code in (200, 302)

    # then the document is ready, its history names the lead, and the PDF reads back with each panel's title
    # and the vendor's breach count
    from procurement.documents.models import RenderedDocument

    doc = RenderedDocument.objects.get(kind="portfolio_report", object_id=lead.pk)
    assert doc.status == RenderedDocument.Status.READY, doc.error
    assert doc.history.earliest("history_date").history_user == lead
    page = client.get(reverse("contracts:portfolio")).content.decode()
    assert doc.get_download_url() in page
    download = client.get(doc.get_download_url())
    assert download.status_code == 200
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages)
    flat = " ".join(text.split())
    for _key, title in selectors.PANELS:
        assert title in flat, title
    assert "KPI breaches by vendor" in flat and "Availability" not in flat  # vendors, not KPI names
    assert str(contract.vendor) in flat


def test_nobody_else_sees_or_asks_for_a_persons_report(client, lead, auditor, stranger,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(lead)
        client.post(reverse("documents:request", args=["portfolio_report", lead.pk]))
    from procurement.documents.models import RenderedDocument

    doc = RenderedDocument.objects.get(kind="portfolio_report", object_id=lead.pk)
    for person in (auditor, stranger):
        client.force_login(person)
        assert client.get(doc.get_download_url()).status_code == 404
        assert client.post(reverse("documents:request", args=["portfolio_report", lead.pk])).status_code == 404
    client.force_login(stranger)  # and a person without the role cannot ask for their own
    assert client.post(reverse("documents:request", args=["portfolio_report", stranger.pk])).status_code == 404
    assert RenderedDocument.objects.filter(kind="portfolio_report").count() == 1
