"""Bad input through the real forms and views: never a 500, a message where the person looks, nothing written.

Each case in tests/security/bad_input_corpus.py is submitted by the right person (logged in, CSRF as the browser
sends it) to the real URL. For every refusal the test checks:
  - no server error (an exception in the view fails the case and counts as a server error);
  - one status: 400 for a refused form or import (the htmx scoring cell answers 200 with its error line, since
    htmx swaps only a 2xx answer; Django's own password-change view answers 200);
  - a clear message: the form's error at the spoiled field (or at the top of the form, for files and cross-field
    rules), the htmx cell's error line, the import preview's problems or a price schedule's line error;
  - nothing written: the row count of every Baton model and of every history table, and the files in private
    storage, are the same before and after.
Hostile HTML in narrative fields is accepted as text; the page showing it must render it escaped or sanitised.
The world the cases act on is built once per module (tests/security/world.py) and each case rolls back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from procurement.audit.history import BATON_APP_LABELS
from tests.module_world import module_world
from tests.security.bad_input_corpus import (
    CASES,
    DROP,
    FORMULA,
    INERT,
    SCRIPT,
    TARGETS,
    UNESCAPED,
    Case,
    Inert,
    Upload,
)
from tests.security.figures import record
from tests.security.world import World, build_world

pytestmark = pytest.mark.django_db
MARKER = "Inert-7f3a"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> World:
    """Built once inside an outer transaction; every test runs in a savepoint inside it and the whole world is
    rolled back when the module is done (the pattern of TestCase.setUpTestData)."""
    with module_world(django_db_blocker, tmp_path_factory, "corpus-world"):
        yield build_world()


def row_counts() -> dict[str, int]:
    """Rows in every table of Baton's apps: domain models, their history tables and through tables."""
    counts = {}
    for config in apps.get_app_configs():
        if config.label not in BATON_APP_LABELS:
            continue
        for model in config.get_models(include_auto_created=True):
            counts[model._meta.label] = model._base_manager.count()
    return counts


def stored_files() -> set[str]:
    location = Path(django_settings.STORAGES["default"]["OPTIONS"]["location"])
    return {str(p.relative_to(location)) for p in location.rglob("*") if p.is_file()} if location.exists() else set()


def submission(world: World, target, overrides: dict) -> dict:
    data = target.base(world)
    for key, value in overrides.items():
        if value is DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return {key: value.make() if isinstance(value, Upload) else value for key, value in data.items()}


def signed_in(world: World, target) -> Client:
    client = Client()
    client.force_login(getattr(world, target.user))
    return client


def post(client: Client, world: World, target, data: dict):
    headers = {"HX-Request": "true"} if target.htmx else {}
    return client.post(target.url(world), data, headers=headers)


def errors_of(response) -> dict[str, list[str]]:
    context = response.context
    form = context.get("form") if context else None
    if context and context.get("answers_form") is not None:  # the portal's due diligence: several forms on one
        # page (each plan item's upload form included as "form"), the one posted back is the bound one in error
        posted = [context.get("answers_form"), *(getattr(item, "form", None) for item in context.get("items") or [])]
        form = next((f for f in posted if f is not None and getattr(f, "is_bound", False) and f.errors), None)
    if form is None:
        return {}
    return {str(key): list(value) for key, value in form.errors.items()}


def message_shown(case: Case, target, response) -> str:
    """The message the person sees for this refusal, or '' (then the case fails)."""
    if target.expect == "form" and response.status_code == target.refused_status:
        errors = errors_of(response)
        return next((" ".join(errors[f]) for f in case.fields if errors.get(f)), "")
    if target.expect == "cell":
        text = response.content.decode()
        return text if response.status_code == 200 and "error" in text.lower() else ""
    if target.expect == "price" and response.status_code == 400:  # rows, not a form (awards.forms.price_schedule)
        context = response.context
        for where in case.fields:
            if where.startswith("row-"):
                shown = context["row_errors"].get(int(where.removeprefix("row-")), [])
            elif where == "__all__":
                shown = context["errors"]
            else:
                shown = context["field_errors"].get(where, [])
            if shown:
                return " ".join(shown)
        return ""
    if target.expect == "preview" and response.status_code == 400:  # a file with problems answers 400
        preview = response.context.get("preview")
        form_errors = errors_of(response)
        if form_errors:
            return " ".join(m for msgs in form_errors.values() for m in msgs)
        if preview is not None and not preview.clean:
            return " ".join([*preview.file_errors, *(e for row in preview.rows for e in row.errors)])
        return ""
    return ""


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_at_the_field_and_writes_nothing(world, case):
    # given: the right person, signed in, and the state of every table and of private storage
    target = TARGETS[case.target]
    if case.prepare is not None:
        case.prepare(world)
    client = signed_in(world, target)
    data = submission(world, target, case.data)
    rows_before, files_before = row_counts(), stored_files()
    record("bad inputs tried")

    # when
    try:
        response = post(client, world, target, data)
    except Exception:
        record("bad inputs tried/server errors")
        raise
    record("bad inputs tried/server errors", 0)

    # then: no server error, a clear message, nothing written
    assert response.status_code == (200 if target.expect == "cell" else target.refused_status)  # htmx swaps a 2xx
    shown = message_shown(case, target, response)
    assert shown.strip(), (f"no message at {case.fields} (status {response.status_code}; "
                           f"form errors: {errors_of(response) if target.expect != 'message' else '-'})")
    rows_after, files_after = row_counts(), stored_files()
    changed = {label: (rows_before[label], rows_after[label]) for label in rows_before
               if rows_before[label] != rows_after[label]}
    record("bad inputs tried/partial writes", 1 if changed or files_after != files_before else 0)
    assert not changed, f"rows written: {changed}"
    assert files_after == files_before


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_accepts_its_valid_submission(world, name):
    """The corpus spoils one part of a valid submission: each target's unspoiled submission must succeed, so a
    refusal above is about the spoiled part and not about a broken baseline."""
    target = TARGETS[name]
    client = signed_in(world, target)

    response = post(client, world, target, submission(world, target, {}))

    if target.expect == "cell":
        assert response.status_code == 200 and "error" not in response.content.decode().lower()
    elif target.two_step:
        assert response.status_code == 200 and not errors_of(response) and response.context["preview"]
    elif target.expect == "preview":
        assert response.status_code == 200 and response.context["preview"].clean
    else:
        assert response.status_code == 302, errors_of(response)
        errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
        assert not errors


@pytest.mark.parametrize("case", INERT, ids=[c.id for c in INERT])
def test_hostile_html_in_a_narrative_is_stored_as_text_and_rendered_inert(world, case: Inert):
    target = TARGETS[case.target]
    client = signed_in(world, target)
    record("bad inputs tried")

    response = post(client, world, target, submission(world, target, {case.name: f"{MARKER} {SCRIPT}"}))
    page = client.get(target.show(world))

    record("bad inputs tried/server errors", 0)
    assert response.status_code == 302, errors_of(response)
    html = page.content.decode()
    assert page.status_code == 200
    assert MARKER in html, "the page should show the stored text (escaped or sanitised)"
    for raw in UNESCAPED:
        assert raw not in html, f"{raw!r} reached the page unescaped"


# --- exports neutralise formulas --------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@")


def _unsafe_cells(cells) -> list[str]:
    """Cells a spreadsheet program would evaluate: text starting like a formula without the quote prefix."""
    return [c for c in cells if isinstance(c, str) and c.startswith(FORMULA_STARTS) and not c[1:2].isdigit()
            and c != "-"]


def _csv_cells(response) -> list[str]:
    import csv
    import io

    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(response) -> list:
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(response.content))  # formulas kept as formulas (not data_only)
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                cells.append(cell.value)
    return cells


def _hostile_vendor_names(world: World) -> None:
    """Every bid's vendor in the procedure in evaluation gets a name that a spreadsheet would run."""
    from awards.models import Bid

    for bid in Bid.objects.filter(procedure=world.evaluation).select_related("vendor"):
        bid.vendor.legal_name = f"{FORMULA}{bid.pk}"
        bid.vendor.trading_name = f"@SUM(1+1)*cmd|' /C calc'!A{bid.pk}"
        bid.vendor._change_reason = "test: hostile name"
        bid.vendor.save()


def test_the_published_qa_export_neutralises_formulas(world):
    from awards import services

    services.question_answer(actor=world.lead, question=world.question, answer=f"+{FORMULA}", public_text=FORMULA)
    services.question_publish(actor=world.lead, question=world.question)
    client = signed_in(world, TARGETS["question_add"])
    record("bad inputs tried", 2)

    cells = _csv_cells(client.get(reverse("awards:qa_export", args=[world.rfp.reference])))

    assert f"'{FORMULA}" in cells and f"'+{FORMULA}" in cells
    assert _unsafe_cells(cells) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_results_exports_neutralise_formulas_in_names(world, fmt):
    _hostile_vendor_names(world)
    client = signed_in(world, TARGETS["consensus"])  # the lead
    record("bad inputs tried")

    response = client.get(reverse("awards:results_export", args=[world.evaluation.reference, fmt]))

    assert response.status_code == 200
    cells = _csv_cells(response) if fmt == "csv" else _xlsx_cells(response)
    assert any(isinstance(c, str) and "cmd|" in c for c in cells), "the hostile name should be exported as text"
    assert _unsafe_cells(cells) == []


def test_the_scoring_sheet_export_neutralises_formulas_in_names(world):
    _hostile_vendor_names(world)
    client = signed_in(world, TARGETS["score_cell"])  # the evaluator
    record("bad inputs tried")

    response = client.get(reverse("awards:scoring_sheet_export", args=[world.evaluation.reference]))

    cells = _xlsx_cells(response)
    assert any(isinstance(c, str) and "cmd|" in c for c in cells)
    assert _unsafe_cells(cells) == []


def test_the_audit_trail_export_neutralises_formulas_in_reasons(world, make_user):
    from procurement.accounts.roles import Role

    risk = world.risk
    risk.title = "Renamed"
    risk._change_reason = FORMULA
    risk.save()
    client = Client()
    client.force_login(make_user(Role.AUDITOR))
    record("bad inputs tried")

    cells = _csv_cells(client.get(reverse("audit:log_csv")))

    assert f"'{FORMULA}" in cells
    assert _unsafe_cells(cells) == []
