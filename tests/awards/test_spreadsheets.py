"""Spreadsheets: results export with formula injection neutralised; the evaluator's sheet out and back in."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from awards import results
from awards.models.scorecard import Score
from awards.spreadsheets import results_csv, results_xlsx, safe
from tests.factories.scorecards import build_scored_procedure, declare_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoring(evaluation):
    return declare_all(evaluation)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_dangerous_text_gets_a_leading_apostrophe(text):
    assert safe(text) == "'" + text
    assert safe("Acme") == "Acme" and safe(3.5) == 3.5


def test_results_export_neutralises_formulas_in_names(client):
    procedure = build_scored_procedure(bids=2, criteria=2, evaluators=2)
    vendor = procedure.bids.first().vendor
    vendor.legal_name = vendor.trading_name = "=HYPERLINK(\"http://x\",\"click\")"
    vendor.save()
    data = results.procedure_results(procedure)

    workbook = load_workbook(io.BytesIO(results_xlsx(data)))
    names = [row[1] for row in workbook["Ranking"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\",\"click\")" in names
    assert all(c.data_type != "f" for ws in workbook.worksheets for row in ws.iter_rows() for c in row)
    assert set(workbook.sheetnames) == {"Ranking", "Criteria", "Groups", "Spreads", "Knockouts", "Sensitivity"}
    sensitivity = [r for r in workbook["Sensitivity"].iter_rows(values_only=True)]
    assert ("Monte Carlo seed", procedure.scorecard.mc_seed) == sensitivity[-1][:2]

    rows = list(csv.reader(io.StringIO(results_csv(data))))
    assert ["# Ranking"] in rows
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)

    client.force_login(procedure.lead)
    response = client.get(reverse("awards:results_export", args=[procedure.reference, "xlsx"]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('-results.xlsx"')
    assert client.get(reverse("awards:results_export", args=[procedure.reference, "pdf"])).status_code == 404


def _download(client, procedure, evaluator):
    client.force_login(evaluator)
    response = client.get(reverse("awards:scoring_sheet_export", args=[procedure.reference]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _upload(client, procedure, workbook: Workbook, **extra):
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("scores.xlsx", buffer.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return client.post(reverse("awards:scoring_sheet_import", args=[procedure.reference]), {"file": upload, **extra})


def _fill(workbook, value=3, rationale="From the sheet"):
    sheet = workbook["Scores"]
    for row in sheet.iter_rows(min_row=2):
        row[5].value, row[6].value = value, rationale
    return workbook


def test_sheet_round_trip_with_preview_then_confirmation(scoring, client):
    evaluator = scoring.evaluators[0]
    workbook = _fill(_download(client, scoring, evaluator))
    assert workbook["Scores"].max_row == 1 + 3 * 3

    response = _upload(client, scoring, workbook)
    page = response.content.decode()
    assert response.status_code == 200 and "Preview: 9 scores" in page
    assert not Score.objects.exists()  # nothing saved before confirmation

    response = client.post(reverse("awards:scoring_sheet_import", args=[scoring.reference]), {"confirm": "1"})
    assert response.status_code == 302
    assert Score.objects.filter(sheet__evaluator=evaluator).count() == 9
    assert set(Score.objects.values_list("rationale", flat=True)) == {"From the sheet"}


@pytest.mark.parametrize("column, value, message", [
    (5, 7, "Row 3, column F (Score): 7 is outside the scale; enter a score from 0 to 5."),
    (2, "no-such-criterion", "Row 3, column C (Criterion key): unknown criterion “no-such-criterion”"),
    (4, 55, "Row 3, column E (Weight): the weight was edited (sheet: 55, scorecard: "),
    (0, 99999, "Row 3, column A (Bid ID): unknown bid “99999”"),
])
def test_a_bad_row_rejects_the_whole_sheet_naming_row_and_column(scoring, client, column, value, message):
    evaluator = scoring.evaluators[0]
    workbook = _fill(_download(client, scoring, evaluator))
    workbook["Scores"].cell(row=3, column=column + 1).value = value

    response = _upload(client, scoring, workbook)

    page = response.content.decode()
    assert response.status_code == 400  # a sheet with problems is a refused form
    assert message in page, page[:3000]
    assert "error-summary" in page and "Preview" not in page
    client.post(reverse("awards:scoring_sheet_import", args=[scoring.reference]), {"confirm": "1"})
    assert not Score.objects.exists()


def test_an_unreadable_file_is_refused_plainly(scoring, client):
    client.force_login(scoring.evaluators[0])
    upload = SimpleUploadedFile("scores.xlsx", b"not a workbook", content_type="application/octet-stream")
    response = client.post(reverse("awards:scoring_sheet_import", args=[scoring.reference]), {"file": upload})
    assert response.status_code == 400 and "not a readable XLSX workbook" in response.content.decode()
