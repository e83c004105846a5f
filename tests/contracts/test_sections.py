"""The contract page as sections loaded on demand (issue 18): each section has its own address, answers the
whole page to a normal request and only the tab bar with the section to htmx, counts the open items of every
tab in the contract's own query, keeps the page's permission rule, and runs a fixed number of queries whatever
the amount of data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contracts import services
from contracts.checkins import questions
from contracts.selectors.sections import SECTIONS
from procurement.accounts.roles import Role
from tests.factories.contracts import active_contract, make_active, open_contract

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
HTMX = {"HX-Request": "true"}

# The panels (element ids) each section shows; every other section's panels are absent from its page.
PANELS = {
    "overview": ("alerts", "team"),
    "negotiation": ("kickoff", "clauses", "scenarios", "raci", "issues"),
    "handoff": ("checklist", "pack"),
    "delivery": ("milestones",),
    "money": ("payments", "change-orders"),
    "performance": ("kpis", "checkins"),
    "incidents": ("incidents",),
    "exit": ("exit",),
}

# Queries per section, the same with 2 and with 20 rows in every list. Measured (lead / post-award manager):
# overview 10 / 12, negotiation 16 / 19, handoff 11 / 17, delivery 7 / 7, money 10 / 13, performance 8 / 8,
# incidents 9 / 12, exit 9 / 9. The floor page is 5 (session, user, roles, two navigation counts); each section
# adds the contract row carrying every tab's count (1) and its own rows; a team member who is not a lead costs a
# few more for the object-permission checks of the buttons. Raise a bound only with a reason.
BOUNDS = {
    "overview": 14,      # + the alerts (KPI breaches, unpaid invoices, attestations, late milestones, the pack); +1
    # (issue 21) the current versions of the four policy tables the contract is pinned to, in one query
    "negotiation": 20,   # + kickoff attendees and actions, clauses, feedback, scenarios (+ clauses), RACI, issues
    "handoff": 18,       # + checklist, the pack's versions and receipts (the pack is pending here)
    "delivery": 8,       # + milestones
    "money": 14,         # + invoices, change orders, the RACI (who approves)
    "performance": 9,    # + KPIs, check-ins
    "incidents": 13,     # + incidents with their clauses and scenarios
    "exit": 10,          # + exit steps, the runbook's gaps
}


def section_url(contract, key):
    if key == "overview":
        return contract.get_absolute_url()
    return reverse("contracts:section", args=[contract.reference, key])


def tab_bar(html) -> str:
    return html.split('<nav class="contract-tabs"', 1)[1].split("</nav>", 1)[0]


def panel_ids(html):
    return {key for key, ids in PANELS.items() if any(f'id="{i}"' in html for i in ids)}


def grow_negotiation(contract, *, lead, manager, n):
    """n more negotiation records (they change only while the contract is negotiated)."""
    clauses = list(contract.clauses.all())
    for i in range(n):
        services.feedback_add(actor=manager, position=clauses[i % len(clauses)], topic="other", body=f"Note {i}")
        services.scenario_create(actor=lead, contract=contract, kind="scope_change", likelihood=2, impact=2,
                                 clauses=clauses[:2])
        services.issue_create(actor=manager, contract=contract, title=f"Issue {i}", priority="low")
        services.kickoff_action_add(actor=lead, kickoff=contract.kickoff, description=f"Action {i}", owner=lead,
                                    due_date=TODAY())


def grow_post_award(contract, *, lead, manager, n):
    """n more rows in every post-award list: milestones, invoices, change orders, KPIs with a breaching
    measurement, check-ins, incidents (naming clauses and a scenario)."""
    clauses = list(contract.clauses.all())
    scenario = contract.scenarios.first()
    keys = [k for k, _, _ in questions("it_data")]
    now = timezone.now()
    for i in range(n):
        m = services.milestone_add(actor=lead, contract=contract, title=f"Milestone {i}",
                                   due_date=TODAY() - datetime.timedelta(days=i))
        services.invoice_record(actor=manager, contract=contract, number=f"INV-{contract.pk}-{i}",
                                amount=Decimal("10"), received_on=TODAY() - datetime.timedelta(days=40),
                                milestone=m if i % 2 else None)
        services.change_order_raise(actor=manager, contract=contract, title=f"Change {i}", reason="scope",
                                    description="More")
        kpi = services.kpi_add(actor=manager, contract=contract, name=f"KPI {i}", threshold=Decimal("90"))
        services.measurement_record(actor=manager, kpi=kpi, measured_on=TODAY(), value=Decimal(80 + i % 10))
        services.checkin_record(actor=manager, contract=contract, team="it_data", held_on=TODAY(),
                                answers={k: f"Answer {i}" for k in keys}, actions=f"- Follow up {i}")
        services.incident_record(actor=manager, contract=contract, kind="outage", title=f"Down {i}",
                                 occurred_at=now, detected_at=now, clauses=clauses[:2],
                                 scenarios=[scenario] if scenario else [])


def built(n, *, lead, manager, owner):
    """An active contract with n rows in every list of every section, its exit runbook written and its handoff
    pack requested (still pending: on_commit does not run in these tests)."""
    contract = open_contract(lead=lead, manager=manager, business_owner=owner)
    grow_negotiation(contract, lead=lead, manager=manager, n=n)
    services.pack_request(actor=lead, contract=contract)
    make_active(contract)
    grow_post_award(contract, lead=lead, manager=manager, n=n)
    return contract


def count_queries(client, url, headers=None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


# --- the landing page and the addresses ---------------------------------------------------------------------------
def test_the_landing_page_shows_the_overview_and_the_tab_bar_only(client, lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    client.force_login(lead)
    html = client.get(contract.get_absolute_url()).content.decode()
    assert panel_ids(html) == {"overview"}
    assert f'<a id="tab-overview" href="{contract.get_absolute_url()}"' in html
    assert 'aria-current="page"' in html.split('id="tab-overview"', 1)[1].split(">", 1)[0]
    for key in SECTIONS:
        assert f'href="{section_url(contract, key)}"' in html
    assert tab_bar(html).count('aria-current="page"') == 1


@pytest.mark.parametrize("key", list(SECTIONS))
def test_each_section_is_a_whole_page_to_a_normal_request(client, lead, manager, business_owner, key):
    contract = active_contract(lead=lead, manager=manager, owner=business_owner)
    client.force_login(lead)
    response = client.get(section_url(contract, key))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert f"<h1>{contract.reference} {contract.title}</h1>" in html  # the page head, printable on its own
    assert panel_ids(html) == {key}
    current = html.split(f'id="tab-{key}"', 1)[1].split(">", 1)[0]
    assert 'aria-current="page"' in current and tab_bar(html).count('aria-current="page"') == 1
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("key", list(SECTIONS))
def test_htmx_gets_the_tab_bar_and_the_section_only(client, lead, manager, business_owner, key):
    contract = active_contract(lead=lead, manager=manager, owner=business_owner)
    client.force_login(lead)
    response = client.get(section_url(contract, key), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert "<html" not in html and "<h1>" not in html
    title = f"<title>{escape(str(contract))}{'' if key == 'overview' else ' — ' + SECTIONS[key].label} · Baton</title>"
    assert html.lstrip().startswith(title + '\n<div id="contract-sections"')
    assert panel_ids(html) == {key}
    for other in SECTIONS:  # every tab loads its section into the same place and puts its address in history
        url = section_url(contract, other)
        assert f'href="{url}" hx-get="{url}" hx-target="#contract-sections"' in html
    assert html.count('hx-push-url="true"') == len(SECTIONS)


def test_a_history_restore_gets_the_whole_page(client, lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    client.force_login(lead)
    response = client.get(section_url(contract, "negotiation"),
                          headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    html = response.content.decode()
    assert "<html" in html and panel_ids(html) == {"negotiation"}


def test_an_unknown_section_is_404(client, lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    client.force_login(lead)
    assert client.get(reverse("contracts:section", args=[contract.reference, "nothing"])).status_code == 404
    assert client.get(reverse("contracts:section", args=["CT-0000-9999", "money"])).status_code == 404


@pytest.mark.parametrize("key", list(SECTIONS))
def test_every_section_keeps_the_page_permission(client, lead, manager, auditor, make_user, key):
    contract = open_contract(lead=lead, manager=manager)
    outsider = make_user(Role.POST_AWARD_MANAGER)
    open_contract(lead=lead, manager=outsider)  # manages another contract: this one is unseen
    client.force_login(outsider)
    assert client.get(section_url(contract, key)).status_code == 404
    assert client.get(section_url(contract, key), headers={"HX-Request": "true"}).status_code == 404
    for reader in (manager, auditor):
        client.force_login(reader)
        response = client.get(section_url(contract, key))
        assert response.status_code == 200 and panel_ids(response.content.decode()) == {key}


# --- counts and sections that do not apply yet --------------------------------------------------------------------
def tab(html, key) -> str:
    return html.split(f'id="tab-{key}"', 1)[1].split("</a>", 1)[0]


def test_each_tab_counts_its_open_items(client, lead, manager, business_owner):
    contract = built(2, lead=lead, manager=manager, owner=business_owner)
    invoice = contract.invoices.order_by("pk").first()
    services.invoice_approve(actor=business_owner, invoice=invoice)
    services.invoice_pay(actor=lead, invoice=invoice)  # recorded by the manager, approved by the owner
    incident = contract.incidents.order_by("pk").first()
    services.incident_notified(actor=manager, incident=incident, notified_at=timezone.now())
    step = contract.exit_steps.order_by("pk").first()
    services.exit_step_waive(actor=manager, step=step, reason="Not needed for this vendor")
    contract.refresh_from_db()

    clauses_open = contract.clauses.exclude(status__in=["agreed", "conceded"]).count()
    expected = {
        "negotiation": clauses_open + 2 + 2,  # open clauses, two open issues, two kickoff actions not done
        "handoff": contract.checklist.filter(done_on__isnull=True, waived_reason="").count(),
        "delivery": 2,                        # neither milestone accepted yet
        "money": 1 + 2,                       # one invoice unpaid, two change orders proposed
        "performance": 2,                     # both KPIs breach at their latest measurement
        "incidents": 1,                       # the vendor has not told us about one of them
        "exit": contract.exit_steps.count() - 1,
    }
    client.force_login(lead)
    html = client.get(contract.get_absolute_url()).content.decode()
    for key, n in expected.items():
        assert n > 0 and f'<span class="count">{n}<span class="visually-hidden"> open</span></span>' in tab(html, key)
    assert 'class="count"' not in tab(html, "overview")


def test_post_award_sections_are_collapsed_while_the_contract_is_negotiated(client, lead, manager, business_owner):
    negotiating = open_contract(lead=lead, manager=manager)
    live = active_contract(lead=lead, manager=manager, owner=business_owner)
    client.force_login(lead)
    for key in ("money", "performance", "incidents"):
        html = client.get(section_url(negotiating, key)).content.decode()
        reason = SECTIONS[key].not_yet
        assert f'<details class="not-yet-section">\n      <summary>{reason}</summary>' in html
        assert "still being negotiated" in reason and 'class="not-yet"' in tab(html, key)
        html = client.get(section_url(live, key)).content.decode()
        assert "not-yet-section" not in html and 'class="not-yet"' not in tab(html, key)
    for key in ("overview", "negotiation", "handoff", "delivery", "exit"):  # these run from the first day
        assert "not-yet-section" not in client.get(section_url(negotiating, key)).content.decode()


# --- query budgets ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["lead", "manager"])
def test_every_section_runs_the_same_queries_with_2_and_20_rows(client, lead, manager, business_owner, role):
    small = built(2, lead=lead, manager=manager, owner=business_owner)
    large = built(20, lead=lead, manager=manager, owner=business_owner)
    assert large.milestones.count() == large.invoices.count() == large.issues.count() == 20
    client.force_login(lead if role == "lead" else manager)
    for key in SECTIONS:
        client.get(section_url(small, key))  # warm the process-wide caches (content types) first
    counts = {}
    for name, contract in (("small", small), ("large", large)):
        for key in SECTIONS:
            n, html = count_queries(client, section_url(contract, key))
            assert panel_ids(html) == {key}
            counts[name, key] = n
            counts[name + " htmx", key] = count_queries(client, section_url(contract, key), HTMX)[0]
    for key in SECTIONS:
        assert counts["small", key] == counts["large", key] == counts["small htmx", key] == \
            counts["large htmx", key], key
        assert counts["large", key] <= BOUNDS[key], f"{key}: {counts['large', key]} queries (bound {BOUNDS[key]})"


def test_the_handoff_section_hashes_the_pack_once_at_any_size(client, lead, manager):
    """With a rendered pack, whether it is stale needs the pack's content hash (a dozen queries): the document
    panel and the pack state share one computation, and the count does not grow with the clauses' feedback."""
    from procurement.documents.models import RenderedDocument
    from procurement.documents.services import document_render

    contract = open_contract(lead=lead, manager=manager)
    services.pack_request(actor=lead, contract=contract)
    doc = RenderedDocument.objects.get(object_id=contract.pk, kind="contract_handoff_pack")
    document_render(document_id=doc.pk)
    client.force_login(manager)
    url = section_url(contract, "handoff")
    client.get(url)
    small, html = count_queries(client, url)
    assert "Download the latest pack (version 1)" in html and "that pack is stale" not in html
    clause = contract.clauses.first()
    for i in range(19):
        services.feedback_add(actor=manager, position=clause, topic="other", body=f"Point {i}")
    large, html = count_queries(client, url)
    assert "that pack is stale" in html and "Render the current version" in html
    assert large == small <= 34


# --- forms return to their section --------------------------------------------------------------------------------
def test_forms_return_to_the_section_they_belong_to(client, lead, manager, business_owner):
    contract = open_contract(lead=lead, manager=manager)
    ref = contract.reference
    client.force_login(lead)
    response = client.post(reverse("contracts:issue_add", args=[ref]), {"title": "Credits", "priority": "high"})
    assert response.status_code == 302 and response.url == section_url(contract, "negotiation") + "#issues"
    clause = contract.clauses.first()
    response = client.post(reverse("contracts:feedback_add", args=[ref, clause.pk]),
                           {"topic": "reporting", "body": "Monthly"})
    assert response.url == section_url(contract, "negotiation") + f"#clause-{clause.pk}"
    item = contract.checklist.first()
    response = client.post(reverse("contracts:checklist_item", args=[ref, item.pk]),
                           {"owner": manager.pk, "done_on": TODAY().isoformat()})
    assert response.url == section_url(contract, "handoff") + "#checklist"
    response = client.post(reverse("contracts:milestone_add", args=[ref]),
                           {"title": "Go live", "due_date": TODAY().isoformat()})
    assert response.url == section_url(contract, "delivery") + "#milestones"
    contract = active_contract(lead=lead, manager=manager, owner=business_owner)
    ref = contract.reference
    client.force_login(manager)
    response = client.post(reverse("contracts:invoice_add", args=[ref]),
                           {"number": "I-9", "amount": "100", "received_on": TODAY().isoformat()})
    assert response.url == section_url(contract, "money") + "#payments"
    response = client.post(reverse("contracts:kpi_add", args=[ref]),
                           {"name": "Uptime", "threshold": "99", "direction": "at_least", "frequency": "monthly",
                            "source": "own"})
    assert response.url == section_url(contract, "performance") + "#kpis"
    now = timezone.now().strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("contracts:incident_add", args=[ref]),
                           {"kind": "outage", "title": "Down", "occurred_at": now, "detected_at": now})
    assert response.url == section_url(contract, "incidents") + "#incidents"
    # the form page's Cancel goes back to the same place
    html = client.get(reverse("contracts:change_order_add", args=[ref])).content.decode()
    assert f'href="{section_url(contract, "money")}#change-orders">Cancel</a>' in html
