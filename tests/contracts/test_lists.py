"""The lists across contracts and vendors (issue 21): only what the person may see, filters in the URL that the
pagination and the export keep, sorting, XLSX of every filtered row with formula-like text as text cells, and a
flat number of queries as rows grow."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contracts.services import invoice_record, kpi_add, measurement_record
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.contracts import milestone, open_contract
from tests.factories.vendors import RiskFactory, VendorFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def sheet_of(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


@pytest.fixture
def two_contracts(lead, manager):
    """Contract A is run by `manager`; contract B by someone else."""
    other = UserFactory(roles=[Role.POST_AWARD_MANAGER])
    a = open_contract(lead=lead, manager=manager)
    b = open_contract(lead=lead, manager=other)
    return a, b


def test_invoices_list_only_the_contracts_a_person_sees_and_a_stranger_sees_none(client, lead, manager, stranger,
                                                                                two_contracts):
    # given an invoice on each contract
    a, b = two_contracts
    invoice_record(actor=lead, contract=a, number="A-1", amount=Decimal("100"), received_on=TODAY)
    invoice_record(actor=lead, contract=b, number="B-1", amount=Decimal("200"), received_on=TODAY)
    url = reverse("contracts:invoice_list")

    # when the lead, the manager of A and a stranger open the list
    client.force_login(lead)
    seen_by_lead = [row.number for row in client.get(url).context["page_obj"]]
    client.force_login(manager)
    manager_page = client.get(url)
    client.force_login(stranger)
    stranger_page = client.get(url)

    # then each sees what the contract policy lets them see, and nothing else
    assert sorted(seen_by_lead) == ["A-1", "B-1"]
    from contracts.policies import contract_policy

    visible = contract_policy.visible(manager)
    expected = sorted(n for n, c in (("A-1", a), ("B-1", b)) if visible.filter(pk=c.pk).exists())
    assert "A-1" in expected  # the manager runs contract A
    assert sorted(row.number for row in manager_page.context["page_obj"]) == expected
    assert list(stranger_page.context["page_obj"]) == []
    assert "No invoice of a contract you can see" in stranger_page.content.decode()


def test_invoice_filters_stay_in_the_url_and_pagination_and_export_keep_them(client, lead, two_contracts):
    # given 27 invoices on A (more than a page) and one on B
    a, b = two_contracts
    for n in range(27):
        invoice_record(actor=lead, contract=a, number=f"INV-{n:02}", amount=Decimal(n + 1),
                       received_on=TODAY - datetime.timedelta(days=n))
    invoice_record(actor=lead, contract=b, number="INV-B", amount=Decimal("5"), received_on=TODAY)
    client.force_login(lead)

    # when the lead filters on contract A, sorted by amount descending
    response = client.get(reverse("contracts:invoice_list"), {"contract": a.reference, "sort": "-amount"})
    html = response.content.decode()

    # then the filter keeps its value, the page holds 25 of A's 27 rows in that order, and the next-page and
    # sort links and the export link carry the filter
    page = response.context["page_obj"]
    assert page.paginator.count == 27 and len(page.object_list) == 25
    assert [row.amount for row in page.object_list][:3] == [Decimal("27"), Decimal("26"), Decimal("25")]
    assert f'value="{a.reference}"' in html
    assert f"contract={a.reference}&amp;sort=-amount&amp;page=2" in html
    assert f"contract={a.reference}&amp;sort=-amount&amp;format=xlsx" in html

    # and the export holds all 27 filtered rows (every page) in the same order, with a header row
    sheet = sheet_of(client.get(reverse("contracts:invoice_list"),
                                {"contract": a.reference, "sort": "-amount", "format": "xlsx"}))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Invoice" and len(rows) == 28
    assert [r[3] for r in rows[1:4]] == [27, 26, 25]
    assert "INV-B" not in [r[0] for r in rows]


def test_the_export_writes_formula_like_text_as_a_text_cell_with_the_value_unchanged(client, lead, two_contracts):
    # given an invoice whose number looks like a formula
    a, _ = two_contracts
    invoice_record(actor=lead, contract=a, number='=HYPERLINK("http://x","y")', amount=Decimal("1"),
                   received_on=TODAY)
    client.force_login(lead)

    # when it is exported
    sheet = sheet_of(client.get(reverse("contracts:invoice_list"), {"format": "xlsx"}))

    # then the cell is text, quote-prefixed, and holds the number exactly
    cell = sheet["A2"]
    assert cell.value == '=HYPERLINK("http://x","y")'
    assert cell.data_type == "s" and cell.quotePrefix is True


def test_a_filter_that_is_not_understood_is_shown_next_to_its_field_and_not_applied(client, lead, two_contracts):
    a, _ = two_contracts
    invoice_record(actor=lead, contract=a, number="A-1", amount=Decimal("1"), received_on=TODAY)
    client.force_login(lead)

    response = client.get(reverse("contracts:invoice_list"), {"received_from": "2026-05-02",
                                                              "received_to": "2026-05-01", "status": "nonsense"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Must be on or after the first date." in html
    assert "Select a valid choice" in html
    assert response.context["page_obj"].paginator.count == 1


def test_kpis_show_their_breaches_and_filter_on_them(client, lead, two_contracts):
    a, b = two_contracts
    breached = kpi_add(actor=lead, contract=a, name="Availability", threshold=Decimal("99.5"), unit="%")
    calm = kpi_add(actor=lead, contract=b, name="Latency", threshold=Decimal("500"), direction="at_most", unit="ms")
    measurement_record(actor=lead, kpi=breached, measured_on=TODAY, value=Decimal("97"))
    measurement_record(actor=lead, kpi=calm, measured_on=TODAY, value=Decimal("300"))
    client.force_login(lead)

    response = client.get(reverse("contracts:kpi_list"), {"breaches": "breached"})

    rows = list(response.context["page_obj"])
    assert [(row.name, row.breach_count) for row in rows] == [("Availability", 1)]
    assert rows[0].last_value == Decimal("97")


def test_obligations_show_late_deliverables_and_filter_on_them(client, lead, two_contracts):
    a, _ = two_contracts
    late = milestone(a, actor=lead, title="Pilot", days=-3)
    milestone(a, actor=lead, title="Rollout", days=30)
    client.force_login(lead)

    response = client.get(reverse("contracts:obligation_list"), {"status": "late"})

    assert [row.pk for row in response.context["page_obj"]] == [late.pk]
    assert "Late" in response.content.decode()


def test_the_risk_register_lists_the_risks_of_visible_vendors_highest_residual_first(client, lead, stranger):
    # given two risks, and a vendor the stranger owns (so sees) with its own risk
    high = RiskFactory(residual_likelihood=3, residual_impact=3, inherent_likelihood=4, inherent_impact=4)
    low = RiskFactory(residual_likelihood=1, residual_impact=1)
    owned = RiskFactory(vendor=VendorFactory(owner=stranger))

    client.force_login(lead)
    lead_rows = [row.pk for row in client.get(reverse("vendors:risk_list")).context["page_obj"]]
    client.force_login(stranger)
    stranger_rows = [row.pk for row in client.get(reverse("vendors:risk_list")).context["page_obj"]]

    assert lead_rows[0] == high.pk and set(lead_rows) == {high.pk, low.pk, owned.pk}
    assert stranger_rows == [owned.pk]


@pytest.mark.parametrize("name", ["contracts:invoice_list", "contracts:kpi_list", "contracts:obligation_list",
                                  "contracts:list", "vendors:risk_list", "vendors:list", "awards:procedure_list"])
def test_each_list_and_its_export_run_the_same_number_of_queries_as_rows_grow(client, lead, name,
                                                                              django_assert_max_num_queries):
    client.force_login(lead)
    url = reverse(name)

    def grow():
        contract = open_contract(lead=lead)
        invoice_record(actor=lead, contract=contract, number="X-1", amount=Decimal("1"), received_on=TODAY)
        kpi = kpi_add(actor=lead, contract=contract, name="Uptime", threshold=Decimal("99"), unit="%")
        measurement_record(actor=lead, kpi=kpi, measured_on=TODAY, value=Decimal("98"))
        milestone(contract, actor=lead)
        RiskFactory(vendor=contract.vendor)

    def count(params) -> int:
        client.get(url, params)
        with django_assert_max_num_queries(30) as captured:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(captured.captured_queries)

    grow()
    small = (count({}), count({"format": "xlsx"}))
    grow()
    grow()
    assert (count({}), count({"format": "xlsx"})) == small
