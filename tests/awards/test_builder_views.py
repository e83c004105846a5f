"""The scorecard builder's pages (issue 21): one screen for requirements, groups, criteria and knockouts, the htmx
row and preview endpoints, the no-JavaScript "more rows", XLSX export and import (a preview saved through
scorecard_build), the removal of POV criteria with a reason, and the page's query bound."""

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from awards import services
from awards.forms.builder import SECTIONS, BuilderData
from awards.models import PovCriterion, Requirement
from awards.models.scorecard import Criterion, CriterionGroup, Scorecard
from awards.views.builder import _loaded
from procurement.accounts.roles import Role
from tests.factories.scorecards import build_scored_procedure, complete_scorecard

pytestmark = pytest.mark.django_db


def _url(name, procedure, *args):
    return reverse(f"awards:{name}", args=[procedure.reference, *args])


def _post_of(data: BuilderData, **extra) -> dict:
    """The builder form as a browser would post it."""
    post = {"scale": data.scale, "reason": data.reason}
    for prefix in SECTIONS:
        for index, row in data.rows[prefix].items():
            for name, value in row.items():
                if name in ("code", "price_scored", "present"):
                    continue
                post[f"{prefix}-{index}-{name}"] = value
    post.update(extra)
    return post


def _current(procedure) -> BuilderData:
    return BuilderData.from_scorecard(**_loaded(procedure))


@pytest.fixture
def drafted(procedure, lead):
    """A draft procedure with one requirement and a complete small scorecard."""
    services.requirement_add(actor=lead, procedure=procedure, title="Cites sources", priority="must")
    complete_scorecard(procedure)
    return procedure


# --- who sees what ------------------------------------------------------------------------------------------


def test_lead_gets_the_form_readers_a_read_only_page_others_404(client, drafted, lead, auditor, make_user):
    url = _url("scorecard_builder", drafted)

    client.force_login(lead)
    page = client.get(url).content.decode()
    assert 'id="builder-form"' in page and 'name="crit-0-name"' in page and "Answer accuracy" in page

    client.force_login(auditor)
    response = client.get(url)
    assert response.status_code == 200
    assert 'id="builder-form"' not in response.content.decode() and "Answer accuracy" in response.content.decode()
    assert client.post(url, {"scale": "5"}).status_code == 403

    client.force_login(make_user(Role.EVALUATOR))
    assert client.get(url).status_code == 404
    assert client.post(url, {"scale": "5"}).status_code == 404


def test_the_scorecard_page_leads_to_the_builder(client, drafted, lead):
    client.force_login(lead)

    page = client.get(_url("scorecard", drafted)).content.decode()

    assert _url("scorecard_builder", drafted) in page
    assert _url("scorecard_export", drafted) in page


# --- saving -----------------------------------------------------------------------------------------------------


def test_one_post_saves_changes_adds_rows_and_answers_with_the_scorecard(client, drafted, lead):
    data = _current(drafted)
    data.rows["group"][0]["weight"], data.rows["group"][1]["weight"] = "50", "40"
    data.rows["group"][2] = {"id": "", "name": "Support", "weight": "10"}
    data.rows["crit"][3] = {"id": "", "group": "2", "name": "Response time", "description": "", "guidance": "",
                            "share": "1", "requirements": ["0"]}
    data.rows["req"][1] = {"id": "", "title": "Keeps data in the EU", "priority": "must", "description": ""}
    client.force_login(lead)

    response = client.post(_url("scorecard_builder", drafted), _post_of(data))

    assert response.status_code == 302 and response["Location"] == _url("scorecard", drafted)
    scorecard = Scorecard.objects.get(procedure=drafted)
    assert {g.name: g.weight for g in scorecard.groups.all()} == {"Quality": 50, "Cost": 40, "Support": 10}
    new = Criterion.objects.get(scorecard=scorecard, name="Response time")
    assert new.group.name == "Support" and [r.code for r in new.requirements.all()] == ["R1"]
    assert Requirement.objects.get(procedure=drafted, code="R2").title == "Keeps data in the EU"
    assert new.history.first().history_user == lead


def test_errors_come_back_next_to_their_rows_and_nothing_is_saved(client, drafted, lead):
    data = _current(drafted)
    data.rows["group"][0]["weight"] = "55"
    data.rows["crit"][1]["name"] = ""
    data.rows["crit"][1]["group"] = ""
    client.force_login(lead)

    response = client.post(_url("scorecard_builder", drafted), _post_of(data))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Group weights sum to 95; add 5." in page
    row = re.search(r'<tr id="row-crit-1".*?</tr>', page, re.S).group(0)
    assert "Choose the group this criterion belongs to." in row and 'aria-invalid="true"' in row
    assert 'href="#row-crit-1"' in page  # the summary at the top links to the row
    assert CriterionGroup.objects.get(scorecard__procedure=drafted, name="Quality").weight == 60
    assert Criterion.objects.filter(scorecard__procedure=drafted, name="Integration").exists()


def test_removing_rows_without_a_reason_is_refused_then_done_with_one(client, drafted, lead):
    data = _current(drafted)
    removed = data.rows["crit"].pop(1)
    client.force_login(lead)

    response = client.post(_url("scorecard_builder", drafted), _post_of(data))
    assert response.status_code == 400 and "Give the reason for removing the criterion Integration" in (
        response.content.decode())
    assert Criterion.objects.filter(pk=removed["id"]).exists()

    response = client.post(_url("scorecard_builder", drafted), _post_of(data, reason="Folded into accuracy"))

    assert response.status_code == 302
    gone = Criterion.history.filter(id=removed["id"], history_type="-").get()
    assert gone.history_user == lead and gone.history_change_reason == "Folded into accuracy"


def test_the_remove_box_removes_a_row_without_javascript(client, drafted, lead):
    data = _current(drafted)
    client.force_login(lead)

    client.post(_url("scorecard_builder", drafted), _post_of(data, **{"ko-0-remove": "1", "reason": "Not needed"}))

    assert not Scorecard.objects.get(procedure=drafted).knockouts.exists()


def test_more_rows_without_javascript_keeps_what_was_typed(client, drafted, lead):
    data = _current(drafted)
    data.rows["crit"][0]["name"] = "Accuracy, typed but not saved"
    client.force_login(lead)

    response = client.post(_url("scorecard_builder", drafted), _post_of(data, action="more"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Accuracy, typed but not saved"' in page
    assert 'name="crit-4-name"' in page and 'name="group-3-name"' in page
    assert Criterion.objects.filter(name="Answer accuracy").exists()


def test_check_reports_without_saving(client, drafted, lead):
    data = _current(drafted)
    data.rows["group"][1]["name"] = "Commercial"
    client.force_login(lead)

    response = client.post(_url("scorecard_builder", drafted), _post_of(data, action="check"))

    assert response.status_code == 200 and "No problems found" in response.content.decode()
    assert CriterionGroup.objects.filter(scorecard__procedure=drafted, name="Cost").exists()


def test_a_refused_stage_answers_409(client, drafted, lead):
    services.procedure_cancel(actor=lead, procedure=drafted, reason="Need withdrawn")
    client.force_login(lead)

    response = client.post(_url("scorecard_builder", drafted), _post_of(_current(drafted)))

    assert response.status_code == 409


# --- htmx -----------------------------------------------------------------------------------------------------


def test_add_a_row_answers_a_blank_row_numbered_after_the_posted_ones(client, drafted, lead):
    client.force_login(lead)
    post = _post_of(_current(drafted))

    response = client.post(_url("scorecard_builder_row", drafted, "crit"), post, HTTP_HX_REQUEST="true")

    row = response.content.decode()
    assert response.status_code == 200 and row.lstrip().startswith('<tr id="row-crit-3"')
    assert 'name="crit-3-name" value=""' in row
    assert '<option value="1">Cost</option>' in row  # the groups as posted
    assert client.post(_url("scorecard_builder_row", drafted, "nope"), post).status_code == 404
    assert client.get(_url("scorecard_builder_row", drafted, "crit")).status_code == 405


def test_preview_answers_the_totals_and_the_rows_errors(client, drafted, lead):
    data = _current(drafted)
    data.rows["group"][0]["weight"] = "70"
    data.rows["crit"][2]["share"] = "lots"
    client.force_login(lead)

    response = client.post(_url("scorecard_builder_preview", drafted), _post_of(data), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="builder-totals"' in body and "<strong>110</strong>" in body
    assert "Group weights sum to 110; remove 10." in body
    assert re.search(r'id="err-crit-2" aria-live="polite" hx-swap-oob="true"><p>Share: Enter a number.</p>', body)
    assert re.search(r'id="w-crit-0" hx-swap-oob="true">', body)
    assert CriterionGroup.objects.get(scorecard__procedure=drafted, name="Quality").weight == 60


def test_preview_shows_each_criterions_effective_weight(client, drafted, lead):
    client.force_login(lead)

    body = client.post(_url("scorecard_builder_preview", drafted), _post_of(_current(drafted))).content.decode()

    # Quality 60 split 2:1, Cost 40 to its only criterion
    assert '<span id="w-crit-0" hx-swap-oob="true">40.00</span>' in body
    assert '<span id="w-crit-1" hx-swap-oob="true">20.00</span>' in body
    assert '<span id="w-crit-2" hx-swap-oob="true">40.00</span>' in body


# --- XLSX -----------------------------------------------------------------------------------------------------


def test_export_then_import_round_trips_through_a_preview_and_one_save(client, drafted, lead):
    scorecard = Scorecard.objects.get(procedure=drafted)
    accuracy = Criterion.objects.get(scorecard=scorecard, name="Answer accuracy")
    services.criterion_update(actor=lead, criterion=accuracy, name=accuracy.name, share=2,
                              guidance="=HYPERLINK(\"x\")", requirements=list(accuracy.requirements.all()))
    client.force_login(lead)

    response = client.get(_url("scorecard_export", drafted))

    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Scorecard", "Groups", "Criteria", "Knockouts"]
    rows = list(book["Criteria"].iter_rows(values_only=True))
    assert rows[1][:4] == ("Quality", "Answer accuracy", 2, 40) and rows[1][5] == "'=HYPERLINK(\"x\")"
    assert rows[1][6] == "R1"

    # the lead changes a weight in the file and reads it back: a preview, nothing saved yet
    book["Groups"]["B2"], book["Groups"]["B3"] = 70, 30
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "scorecard.xlsx"
    preview = client.post(_url("scorecard_import", drafted), {"file": buffer})
    page = preview.content.decode()
    assert preview.status_code == 200 and "Read from scorecard.xlsx" in page
    assert CriterionGroup.objects.get(scorecard=scorecard, name="Quality").weight == 60

    # the page posts back what it shows; ids were kept, so saving updates instead of replacing
    posted = _form_values(page)
    saved = client.post(_url("scorecard_builder", drafted), posted)

    assert saved.status_code == 302, re.findall(r"error-summary.*?</div>", saved.content.decode(), re.S)
    assert CriterionGroup.objects.get(scorecard=scorecard, name="Quality").weight == 70
    assert Criterion.objects.get(pk=accuracy.pk).guidance == "=HYPERLINK(\"x\")"  # the apostrophe came off


def _form_values(page: str) -> dict:
    """What the builder form on `page` posts (inputs, textareas, selected options, ticked boxes)."""
    import html

    form = page[page.index('id="builder-form"'):]
    posted: dict = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken" or name.group(1).endswith("-remove"):
            continue
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue
        posted.setdefault(name.group(1), []).append(html.unescape(value.group(1) if value else ""))
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        posted[name] = [html.unescape(text)]
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        posted[name] = [chosen.group(1) if chosen else ""]
    return posted


def _workbook(**sheets) -> io.BytesIO:
    from awards.scorecard_workbook import SHEETS

    book = Workbook()
    book.remove(book.active)
    for name, header in SHEETS.items():
        sheet = book.create_sheet(name)
        sheet.append(list(header))
        for row in sheets.get(name, []):
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "bad.xlsx"
    return buffer


def test_import_errors_name_the_sheet_row_and_column_and_nothing_changes(client, drafted, lead):
    upload = _workbook(Scorecard=[["Scale", 5]], Groups=[["Quality", "sixty"]],
                       Criteria=[["Quality", "Accuracy", 1, None, "", "", "R1"],
                                 ["Nowhere", "Speed", 1, None, "", "", "R9"]])
    client.force_login(lead)

    response = client.post(_url("scorecard_import", drafted), {"file": upload})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Sheet Groups, row 2, column B (Weight): enter the weight as a number." in page
    assert "Sheet Criteria, row 3, column A (Group): no group named “Nowhere” on the sheet Groups." in page
    assert "Sheet Criteria, row 3, column G (Requirements): this procedure has no requirement R9." in page
    assert CriterionGroup.objects.filter(scorecard__procedure=drafted).count() == 2


def test_import_refuses_a_file_that_is_not_a_workbook(client, drafted, lead):
    client.force_login(lead)
    upload = io.BytesIO(b"not a zip")
    upload.name = "scorecard.xlsx"

    response = client.post(_url("scorecard_import", drafted), {"file": upload})

    assert response.status_code == 400 and "This is not an XLSX workbook" in response.content.decode()


# --- POV criteria -----------------------------------------------------------------------------------------------


def test_pov_criterion_removed_with_a_reason_before_the_lock(client, evaluation, lead, auditor):
    bid = evaluation.bids.first()
    criterion = services.pov_criterion_add(actor=lead, bid=bid, metric="Accuracy", comparator="gte",
                                           threshold=Decimal("85"), unit="%", test_set="200 tickets")
    url = _url("pov_criterion_remove", evaluation, bid.pk, criterion.pk)
    client.force_login(lead)
    assert url in client.get(reverse("awards:bid_detail", args=[evaluation.reference, bid.pk])).content.decode()

    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and PovCriterion.objects.filter(pk=criterion.pk).exists()

    response = client.post(url, {"reason": "Measured by the reference check instead"})

    assert response.status_code == 302
    gone = PovCriterion.history.filter(id=criterion.pk, history_type="-").get()
    assert gone.history_user == lead and gone.history_change_reason == "Measured by the reference check instead"
    client.force_login(auditor)
    assert client.post(url, {"reason": "x"}).status_code in (403, 404)


def test_pov_criterion_cannot_be_removed_after_the_lock(client, evaluation, lead):
    bid = evaluation.bids.first()
    criterion = services.pov_criterion_add(actor=lead, bid=bid, metric="Accuracy", comparator="gte",
                                           threshold=Decimal("85"), unit="%", test_set="200 tickets")
    services.pov_lock(actor=lead, bid=bid)
    client.force_login(lead)

    response = client.post(_url("pov_criterion_remove", evaluation, bid.pk, criterion.pk), {"reason": "Late idea"})

    assert response.status_code == 409 and PovCriterion.objects.filter(pk=criterion.pk).exists()


# --- query bound --------------------------------------------------------------------------------------------------


def _queries(client, procedure) -> int:
    client.force_login(procedure.lead)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(_url("scorecard_builder", procedure))
    assert response.status_code == 200
    return len(captured)


def test_the_builder_page_reads_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    small = build_scored_procedure(bids=1, criteria=7, evaluators=1)
    large = build_scored_procedure(bids=1, criteria=30, evaluators=1)
    for procedure in (small, large):
        for n in range(4):
            Requirement.objects.create(procedure=procedure, code=f"R{n + 1}", title=f"Need {n}", priority="must")

    few, many = _queries(client, small), _queries(client, large)

    assert few == many
    client.force_login(large.lead)
    with django_assert_max_num_queries(few):
        page = client.get(_url("scorecard_builder", large)).content.decode()
    assert 'name="crit-29-name"' in page


def test_a_procedure_without_a_scorecard_gets_blank_rows_and_one_save_creates_it(client, procedure, lead):
    client.force_login(lead)
    page = client.get(_url("scorecard_builder", procedure)).content.decode()
    assert 'name="req-0-title"' in page and 'name="group-0-name"' in page and 'name="crit-0-name"' in page
    assert _url("scorecard_export", procedure) not in page  # nothing to download yet

    response = client.post(_url("scorecard_builder", procedure), {
        "scale": "4", "req-0-title": "Cites sources", "req-0-priority": "must", "req-0-description": "",
        "group-0-name": "Everything", "group-0-weight": "100",
        "crit-0-group": "0", "crit-0-name": "Accuracy", "crit-0-share": "1", "crit-0-requirements": "0",
        "ko-0-name": "No training on our data", "ko-0-kind": "manual", "ko-0-horizon_months": "12",
        "crit-1-group": "", "crit-1-name": "", "crit-1-share": "1",  # a blank row is ignored
    })

    assert response.status_code == 302
    scorecard = Scorecard.objects.get(procedure=procedure)
    assert scorecard.scale == 4 and scorecard.history.first().history_user == lead
    accuracy = scorecard.criteria.get()
    assert accuracy.name == "Accuracy" and [r.code for r in accuracy.requirements.all()] == ["R1"]
    assert scorecard.knockouts.get().name == "No training on our data"
