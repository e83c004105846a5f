"""The contracts policy tables changed in the app (issue 21): the clause playbook, KPI templates, check-in
templates and reminder lead times. A policy administrator changes each on its page with a reason (a new policy
version, history rows with actor and reason); leads and auditors read it (403 on POST); others get 404; bad input
saves nothing; a contract keeps the versions it was opened under."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.alerts import alerts_for
from contracts.models import PlaybookClause
from contracts.policy.tables import contract_policy_notes
from contracts.services.reminders import due_reminders, renewal_reminders_send
from procurement.accounts.roles import Role
from procurement.models import PolicyVersion
from procurement.notifications.models import Notification
from tests.factories.contracts import make_active, open_contract, settle_clauses

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate

PAGES = ("clause_playbook", "kpi_templates", "checkin_templates", "reminder_lead_times")


@pytest.fixture
def admin(make_user):
    return make_user(Role.POLICY_ADMINISTRATOR)


def page(name):
    return reverse(f"contracts_policy:{name}")


def post_data(formset, rows=None, *, extra=(), reason="", prefix="rows"):
    """The POST a person makes from the page: every row as shown (or `rows`, a list of dicts of field values),
    plus `extra` new rows, with the reason."""
    shown = sum(1 for form in formset.forms if form.initial)
    rows = rows if rows is not None else [dict(form.initial) for form in formset.forms if form.initial]
    rows = list(rows) + list(extra)
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(shown),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000", "reason": reason}
    for index, row in enumerate(rows):
        for name, value in row.items():
            key = f"{prefix}-{index}-{name}"
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list):
                data[key] = value
            elif value is not None:
                data[key] = str(value)
    return data


def versions(table):
    """The table's versions, oldest first: the unstored baseline (version 1) while nothing has changed."""
    from procurement import policy_tables

    return sorted(policy_tables.versions(table), key=lambda row: row.number)


# --- the clause playbook ------------------------------------------------------------------------------------


def test_admin_changes_the_playbook_on_its_page_with_history(client, admin, django_assert_max_num_queries):
    # given the playbook as shipped, read by its page
    client.force_login(admin)
    with django_assert_max_num_queries(20):
        response = client.get(page("clause_playbook"))
    assert response.status_code == 200
    formset = response.context["formset"]
    rows = [dict(form.initial) for form in formset.forms if form.initial]
    assert len(rows) == PlaybookClause.objects.count()
    # when the administrator retires one clause, rewrites another's target and adds a new one
    retired_key, changed_key = rows[0]["key"], rows[1]["key"]
    rows[0]["retired"] = True
    rows[1]["target"] = "A sharper target position."
    new = {"key": "model-cards", "title": "Model cards", "purpose": "Know what the model is.",
           "required_tiers": ["critical"], "target": "A model card per version.", "fallback": "On request.",
           "walk_away": "No documentation at all.", "order": 99}
    response = client.post(page("clause_playbook"), post_data(formset, rows, extra=[new],
                                                              reason="Legal review of 2026"))
    # then a new version with the reason and the actor, and history rows on each changed clause
    assert response.status_code == 302, response.content.decode()[:2000]
    baseline, latest = versions("clause_playbook")
    assert (baseline.number, latest.number) == (1, 2)
    assert latest.reason == "Legal review of 2026" and latest.changed_by == admin
    assert {row["key"]: row["active"] for row in latest.snapshot}[retired_key] is False
    assert {row["key"] for row in baseline.snapshot} | {"model-cards"} == {row["key"] for row in latest.snapshot}
    retired = PlaybookClause.objects.get(key=retired_key)
    assert retired.active is False
    record = retired.history.latest("history_id")
    assert record.history_user == admin and record.history_change_reason == "Legal review of 2026"
    assert PlaybookClause.objects.get(key=changed_key).target == "A sharper target position."
    created = PlaybookClause.objects.get(key="model-cards")
    assert created.history.get().history_user == admin and created.required_tiers == ["critical"]


def test_playbook_bad_input_is_shown_at_the_row_and_nothing_is_saved(client, admin):
    client.force_login(admin)
    formset = client.get(page("clause_playbook")).context["formset"]
    rows = [dict(form.initial) for form in formset.forms if form.initial]
    before = {c.key: (c.title, c.active) for c in PlaybookClause.objects.all()}
    rows[0]["retired"] = True
    rows[2]["title"] = ""  # a clause needs its title
    response = client.post(page("clause_playbook"), post_data(formset, rows, reason="Tidy up"))
    assert response.status_code == 400
    assert response.context["formset"].forms[2].errors["title"]
    assert b"Nothing was saved" in response.content
    # a new clause may not take the key of another (checked on the whole table by the service)
    rows[2]["title"] = "Renamed"
    duplicate = {**rows[3], "id": None}
    response = client.post(page("clause_playbook"), post_data(formset, rows, extra=[duplicate], reason="Tidy up"))
    assert response.status_code == 400
    assert response.context["formset"].forms[len(rows)].errors["key"]
    assert {c.key: (c.title, c.active) for c in PlaybookClause.objects.all()} == before
    assert PolicyVersion.objects.filter(table="clause_playbook", number__gt=1).count() == 0
    # and a change without a reason is refused at the reason field
    rows[2]["title"] = "Renamed"
    response = client.post(page("clause_playbook"), post_data(formset, rows, reason=""))
    assert response.status_code == 400 and response.context["reason_form"].errors["reason"]
    assert not PlaybookClause.objects.filter(title="Renamed").exists()


def test_a_playbook_change_leaves_an_open_contract_alone(client, admin, lead, manager):
    # given a contract opened under the shipped playbook (high tier)
    before = open_contract(lead=lead, manager=manager, tier="high")
    titles = sorted(before.clauses.values_list("title", flat=True))
    client.force_login(admin)
    formset = client.get(page("clause_playbook")).context["formset"]
    rows = [dict(form.initial) for form in formset.forms if form.initial]
    for row in rows:  # the high tier no longer requires anything but the first clause
        if row is not rows[0]:
            row["required_tiers"] = [t for t in row["required_tiers"] if t != "high"]
    rows[0]["required_tiers"] = sorted(set(rows[0]["required_tiers"]) | {"high"})
    assert client.post(page("clause_playbook"), post_data(formset, rows, reason="Lighter high tier")).status_code \
        == 302
    # when another contract opens after the change
    after = open_contract(lead=lead, manager=manager, tier="high")
    # then the first keeps its clauses and its pin; the second follows the new version
    assert sorted(before.clauses.values_list("title", flat=True)) == titles
    assert before.policy_versions["clause_playbook"] == 1 and after.policy_versions["clause_playbook"] == 2
    assert list(after.clauses.values_list("title", flat=True)) == [rows[0]["title"]]
    notes = {note.key: note for note in contract_policy_notes(before)}
    assert notes["clause_playbook"].applies == 1 and notes["clause_playbook"].current == 2
    assert "version 1 applies" in notes["clause_playbook"].sentence


# --- who may ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_leads_and_auditors_read_only_others_do_not_see(client, name, lead, auditor, manager, stranger):
    for reader in (lead, auditor):
        client.force_login(reader)
        response = client.get(page(name))
        assert response.status_code == 200
        assert b"Save as a new version" not in response.content
        assert b"only a policy administrator changes it" in response.content
        assert client.post(page(name), {"reason": "Try", "notice": "5", "renewal": "5"}).status_code == 403
    for other in (manager, stranger):
        client.force_login(other)
        assert client.get(page(name)).status_code == 404
        assert client.post(page(name), {"reason": "Try"}).status_code == 404
    assert PolicyVersion.objects.filter(number__gt=1).count() == 0


# --- KPI templates ------------------------------------------------------------------------------------------


def _seeded(contract, *, lead, manager):
    settle_clauses(contract, lead=lead)
    return {k.name: k.threshold for k in services.kpis_seed_from_pack(actor=manager, contract=contract)}


def test_kpi_templates_change_applies_to_contracts_opened_after_it(client, admin, lead, manager):
    # given a contract opened under the shipped KPI templates
    before = open_contract(lead=lead, manager=manager, tier="high")
    client.force_login(admin)
    formset = client.get(page("kpi_templates")).context["formset"]
    rows = [dict(form.initial) for form in formset.forms if form.initial]
    availability = next(row for row in rows if row["name"] == "Monthly availability")
    availability["threshold"] = "99.9"
    new = {"clause": "service-levels", "name": "Latency p95", "unit": "ms", "direction": "at_most",
           "threshold": "800", "frequency": "monthly"}
    # when the administrator tightens availability and adds a latency KPI
    response = client.post(page("kpi_templates"), post_data(formset, rows, extra=[new], reason="Stricter SLAs"))
    assert response.status_code == 302
    latest = versions("kpi_templates")[-1]
    assert (latest.number, latest.reason, latest.changed_by) == (2, "Stricter SLAs", admin)
    assert latest.history.get().history_user == admin
    after = open_contract(lead=lead, manager=manager, tier="high")
    # then the earlier contract seeds the old KPIs, the later one the new
    old = _seeded(before, lead=lead, manager=manager)
    assert old["Monthly availability"] == Decimal("99.5") and "Latency p95" not in old
    new_kpis = _seeded(after, lead=lead, manager=manager)
    assert new_kpis["Monthly availability"] == Decimal("99.9") and new_kpis["Latency p95"] == Decimal("800")


def test_kpi_templates_bad_rows_and_removal(client, admin):
    client.force_login(admin)
    formset = client.get(page("kpi_templates")).context["formset"]
    rows = [dict(form.initial) for form in formset.forms if form.initial]
    bad = {"clause": "no-such-clause", "name": "", "unit": "", "direction": "at_least", "threshold": "x",
           "frequency": "monthly"}
    response = client.post(page("kpi_templates"), post_data(formset, rows, extra=[bad], reason="Add"))
    assert response.status_code == 400
    errors = response.context["formset"].forms[len(rows)].errors
    assert {"clause", "name", "threshold"} <= set(errors)
    assert versions("kpi_templates")[-1].number == 1
    # a row ticked "remove" leaves the table
    rows[0]["DELETE"] = True
    assert client.post(page("kpi_templates"), post_data(formset, rows, reason="Drop one")).status_code == 302
    names = [seed["name"] for seeds in versions("kpi_templates")[-1].snapshot.values() for seed in seeds]
    assert rows[0]["name"] not in names and len(names) == len(rows) - 1


# --- check-in templates -------------------------------------------------------------------------------------


def test_checkin_templates_change_applies_to_contracts_opened_after_it(client, admin, lead, manager):
    before = make_active(open_contract(lead=lead, manager=manager))
    client.force_login(admin)
    formset = client.get(page("checkin_templates")).context["formset"]
    rows = [dict(form.initial) for form in formset.forms if form.initial]
    new = {"team": "procurement", "key": "vendor_roadmap", "topic": "model_updates",
           "text": "What is on the vendor's roadmap for the next two quarters?"}
    response = client.post(page("checkin_templates"), post_data(formset, rows, extra=[new], reason="Roadmaps"))
    assert response.status_code == 302
    latest = versions("checkin_templates")[-1]
    assert (latest.number, latest.reason, latest.changed_by) == (2, "Roadmaps", admin)
    after = make_active(open_contract(lead=lead, manager=manager))
    old_keys = [row["key"] for row in rows if row["team"] == "procurement"]
    answers = {key: "Fine." for key in old_keys}
    # the earlier contract answers the old template
    checkin = services.checkin_record(actor=manager, contract=before, team="procurement", held_on=TODAY(),
                                      answers=answers)
    assert set(checkin.answers) == set(old_keys)
    # the later one must answer the new question too
    with pytest.raises(ValidationError) as refused:
        services.checkin_record(actor=manager, contract=after, team="procurement", held_on=TODAY(), answers=answers)
    assert "answer_vendor_roadmap" in refused.value.message_dict
    done = services.checkin_record(actor=manager, contract=after, team="procurement", held_on=TODAY(),
                                   answers={**answers, "vendor_roadmap": "Two new models."})
    assert done.answers["vendor_roadmap"] == "Two new models."


def test_checkin_templates_keep_a_question_per_team(client, admin):
    client.force_login(admin)
    formset = client.get(page("checkin_templates")).context["formset"]
    rows = [dict(form.initial) for form in formset.forms if form.initial]
    for row in rows:
        if row["team"] == "buying":
            row["DELETE"] = True
    response = client.post(page("checkin_templates"), post_data(formset, rows, reason="No buying questions"))
    assert response.status_code == 400
    assert b"Every team needs at least one question" in response.content
    assert versions("checkin_templates")[-1].number == 1


# --- reminder lead times ------------------------------------------------------------------------------------


def test_reminders_follow_the_pinned_lead_times(client, admin, lead, manager):
    # given an active contract whose notice deadline is 20 days away, opened under 30 days' lead (shipped)
    terms = {"end_date": TODAY() + datetime.timedelta(days=200), "notice_period_days": 180}
    before = make_active(open_contract(lead=lead, manager=manager, **terms))
    client.force_login(admin)
    # when the administrator shortens the notice lead to 10 days
    response = client.post(page("reminder_lead_times"), {"notice": "10", "renewal": "60", "reason": "Less noise"})
    assert response.status_code == 302
    latest = versions("reminder_lead_times")[-1]
    assert (latest.number, latest.snapshot, latest.changed_by) == (2, {"notice": 10, "renewal": 60}, admin)
    after = make_active(open_contract(lead=lead, manager=manager, **terms))
    # then the earlier contract is reminded now (30 days' lead), the later one not yet (10 days' lead)
    assert [which for which, _ in due_reminders(before, TODAY())] == ["notice"]
    assert due_reminders(after, TODAY()) == []
    assert renewal_reminders_send(on=TODAY()) >= 1
    keys = set(Notification.objects.values_list("key", flat=True))
    assert any(key.startswith(f"contracts:{before.pk}:notice:") for key in keys)
    assert not any(key.startswith(f"contracts:{after.pk}:notice:") for key in keys)
    for contract in (before, after):
        contract.refresh_from_db()
    alerts = alerts_for([before, after], on=TODAY())
    assert alerts[before.pk].notice_due and alerts[after.pk].notice_due is None


def test_lead_times_bad_input_is_refused_at_the_field(client, admin):
    client.force_login(admin)
    response = client.post(page("reminder_lead_times"), {"notice": "0", "renewal": "60", "reason": "Zero"})
    assert response.status_code == 400 and response.context["form"].errors["notice"]
    response = client.post(page("reminder_lead_times"), {"notice": "30", "renewal": "60", "reason": "Same"})
    assert response.status_code == 400 and b"Nothing changed" in response.content
    assert versions("reminder_lead_times")[-1].number == 1
