"""Contract pages: visibility (404 for outsiders on every URL), forms, query counts."""

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from contracts import services
from contracts.models import ClausePosition, Contract
from contracts.urls import urlpatterns
from procurement.accounts.roles import Role
from tests.factories.contracts import approved_memo, held_kickoff, open_contract, submitted_bid
from tests.factories.memos import memo_for_award

pytestmark = pytest.mark.django_db

PK_ARGS = {"action_done", "clause_edit", "clause_status", "feedback_add", "feedback_respond", "scenario_edit",
           "issue_resolve", "checklist_item", "checklist_waive"}


def _url_for(name: str, contract: Contract, ids: dict) -> str:
    kwargs = {"reference": contract.reference}
    pattern = next(p for p in urlpatterns if p.name == name).pattern
    if "<int:pk>" in str(pattern):
        kwargs["pk"] = ids[name]
    if "<slug:target>" in str(pattern):
        kwargs["target"] = "agreed" if name == "clause_status" else "signed"
    for slug, value in (("decision", "accept"), ("step", "approve"), ("team", "it_data"), ("name", "negotiation")):
        if f"<slug:{slug}>" in str(pattern):
            kwargs[slug] = value
    return reverse(f"contracts:{name}", kwargs=kwargs)


@pytest.fixture
def full_contract(lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    clause = contract.clauses.first()
    feedback = services.feedback_add(actor=manager, position=clause, topic="reporting", body="Monthly please")
    scenario = services.scenario_create(actor=lead, contract=contract, kind="insolvency", likelihood=2, impact=5)
    issue = services.issue_create(actor=lead, contract=contract, title="Credits", priority="high")
    action = services.kickoff_action_add(actor=lead, kickoff=contract.kickoff, description="Send draft", owner=lead,
                                         due_date=timezone.localdate())
    post_award_ids = _post_award_rows(contract, lead, manager)
    # issue 21: a kickoff attendee for the removal URL (before the pack is asked for: a change marks it stale)
    attendee = services.kickoff_attendee_add(actor=lead, kickoff=contract.kickoff, user=manager,
                                             role="post_award_manager")
    services.pack_request(actor=lead, contract=contract)  # stays pending: on_commit does not run here
    contract.ids = {"action_done": action.pk, "clause_edit": clause.pk, "clause_status": clause.pk,
                    "feedback_add": clause.pk, "feedback_respond": feedback.pk, "scenario_edit": scenario.pk,
                    "issue_resolve": issue.pk, "checklist_item": contract.checklist.first().pk,
                    "checklist_waive": contract.checklist.first().pk, **post_award_ids,
                    # issue 21: the corrections (a RACI activity and a kickoff attendee removed with a reason)
                    "raci_activity_remove": contract.raci_activities.get(name="Train users").pk,
                    "attendee_remove": attendee.pk}
    return contract


def _post_award_rows(contract, lead, manager) -> dict:
    """One row of each post-award record, so every post-award URL with a pk has a real target."""
    from decimal import Decimal

    from contracts.services.exit import seed_exit_steps

    m = services.milestone_add(actor=lead, contract=contract, title="Pilot", due_date=timezone.localdate())
    invoice = services.invoice_record(actor=manager, contract=contract, number="I-1", amount=Decimal("10"),
                                      received_on=timezone.localdate())
    order = services.change_order_raise(actor=manager, contract=contract, title="v4", reason="model_version",
                                        description="New model")
    kpi = services.kpi_add(actor=manager, contract=contract, name="Uptime", threshold=Decimal("99"))
    now = timezone.now()
    incident = services.incident_record(actor=manager, contract=contract, kind="outage", title="Down",
                                        occurred_at=now, detected_at=now)
    seed_exit_steps(contract, actor=lead, start=timezone.localdate())
    step = contract.exit_steps.first().pk
    return {"milestone_plan": m.pk, "milestone_deliver": m.pk, "milestone_decide": m.pk, "milestone_evidence": m.pk,
            "invoice_step": invoice.pk, "invoice_dispute": invoice.pk, "invoice_dispute_resolve": invoice.pk,
            "change_order_decide": order.pk, "kpi_edit": kpi.pk,
            "measurement_add": kpi.pk, "incident_notified": incident.pk, "exit_step": step, "exit_step_waive": step}


# The contract's own pages (the publication pages under ocds/ take a procedure's reference: see test_ocds.py)
CONTRACT_URLS = [p.name for p in urlpatterns if isinstance(p, URLPattern) and "<str:reference>" in str(p.pattern)
                 and not str(p.pattern).startswith("ocds/")]


@pytest.mark.parametrize("name", CONTRACT_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_manager_of_another_contract_gets_404_everywhere(client, full_contract, make_user, lead, name, method):
    other_manager = make_user(Role.POST_AWARD_MANAGER)
    open_contract(lead=lead, manager=other_manager)
    client.force_login(other_manager)
    before = full_contract.history.count()
    response = getattr(client, method)(_url_for(name, full_contract, full_contract.ids))
    assert response.status_code == 404
    assert full_contract.history.count() == before


def test_the_pack_download_of_the_pipeline_is_404_for_outsiders(client, full_contract, make_user, manager):
    from procurement.documents.models import RenderedDocument
    from procurement.documents.services import document_render

    doc = RenderedDocument.objects.get(object_id=full_contract.pk, kind="contract_handoff_pack")
    document_render(document_id=doc.pk)
    doc = RenderedDocument.objects.get(object_id=full_contract.pk, kind="contract_handoff_pack")
    assert doc.status == RenderedDocument.Status.READY
    client.force_login(make_user(Role.POST_AWARD_MANAGER))
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404
    assert client.get(reverse("contracts:pack_download", args=[full_contract.reference])).status_code == 404
    client.force_login(manager)
    response = client.get(reverse("contracts:pack_download", args=[full_contract.reference]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"


def test_team_member_and_auditor_see_the_page(client, full_contract, manager, auditor):
    for user in (manager, auditor):
        client.force_login(user)
        response = client.get(full_contract.get_absolute_url())
        assert response.status_code == 200
        assert full_contract.reference in response.text


def test_auditor_cannot_post(client, full_contract, auditor):
    client.force_login(auditor)
    response = client.post(reverse("contracts:issue_add", args=[full_contract.reference]),
                           {"title": "x", "priority": "low"})
    assert response.status_code == 403


def test_list_is_user_scoped(client, full_contract, lead, make_user):
    other_manager = make_user(Role.POST_AWARD_MANAGER)
    other = open_contract(lead=lead, manager=other_manager)
    client.force_login(other_manager)
    text = client.get(reverse("contracts:list")).text
    assert other.reference in text and full_contract.reference not in text
    client.force_login(lead)
    text = client.get(reverse("contracts:list") + f"?q={other.reference}").text
    assert other.reference in text and full_contract.reference not in text


def _grow(contract, lead, manager, n):
    clauses = list(contract.clauses.all())
    for i in range(n):
        services.feedback_add(actor=manager, position=clauses[i % len(clauses)], topic="other", body=f"Note {i}")
        services.scenario_create(actor=lead, contract=contract, kind="scope_change", likelihood=2, impact=2,
                                 clauses=clauses[:2])
        services.issue_create(actor=manager, contract=contract, title=f"Issue {i}", priority="low")


def test_contract_page_query_count_does_not_grow(client, lead, manager, django_assert_max_num_queries):
    """The landing page (overview) and the negotiation section, where the grown rows show, run as many queries
    for a small contract as for one with eight times the feedback, scenarios and issues."""
    from vendors.models import Tier

    small = open_contract(lead=lead, manager=manager, tier=Tier.LOW)
    big = open_contract(lead=lead, manager=manager, tier=Tier.CRITICAL)
    _grow(small, lead, manager, 1)
    _grow(big, lead, manager, 8)
    client.force_login(lead)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for address in (Contract.get_absolute_url, lambda c: reverse("contracts:section",
                                                                   args=[c.reference, "negotiation"])):
        client.get(address(small))  # warm the process-wide caches (content types) first
        with CaptureQueriesContext(connection) as small_q:
            assert client.get(address(small)).status_code == 200
        with CaptureQueriesContext(connection) as big_q:
            response = client.get(address(big))
            assert response.status_code == 200
        assert len(big_q) == len(small_q)
        with django_assert_max_num_queries(60):
            client.get(address(big))
    assert "Issue 7" in response.text and "Note 7" in response.text  # the negotiation section shows the rows


def test_open_contract_form_lists_approved_memos_without_a_contract(client, lead, manager):
    memo = approved_memo()
    contracted = approved_memo()
    open_contract(lead=lead, memo=contracted)
    draft = memo_for_award(status="draft")
    client.force_login(lead)
    response = client.get(reverse("contracts:open"))
    assert response.status_code == 200
    choices = list(response.context["form"].fields["memo"].queryset)
    assert choices == [memo]
    assert f"{memo.procedure.reference} — {memo.recommended_vendor}" in response.text
    assert draft.procedure.reference not in response.text and contracted.procedure.reference not in response.text
    assert "Awarded bid" not in response.text and 'name="bid"' not in response.text
    response = client.get(reverse("contracts:open"), {"memo": memo.procedure.reference})
    assert response.context["form"].initial["memo"] == memo
    response = client.post(reverse("contracts:open"), {"memo": memo.pk, "post_award_manager": manager.pk})
    contract = Contract.objects.get(memo=memo)
    assert response.status_code == 302 and response.url == contract.get_absolute_url()
    assert contract.post_award_manager == manager and contract.bid == memo.recommended_bid
    assert contract.value == memo.contract_value


@pytest.mark.parametrize("status", ["draft", "in_approval", "rejected"])
def test_open_contract_form_refuses_memos_not_approved_and_bare_bids(client, lead, manager, status):
    memo = memo_for_award(status=status)
    bid = submitted_bid()
    client.force_login(lead)
    response = client.post(reverse("contracts:open"), {"memo": memo.pk, "post_award_manager": manager.pk})
    assert response.status_code == 400 and "Select a valid choice" in response.text
    response = client.post(reverse("contracts:open"), {"bid": bid.pk, "post_award_manager": manager.pk})
    assert response.status_code == 400 and response.context["form"].errors["memo"] == ["This field is required."]
    assert not Contract.objects.exists()


def test_open_contract_page_says_when_no_memo_is_waiting(client, lead):
    client.force_login(lead)
    response = client.get(reverse("contracts:open"))
    assert response.status_code == 200 and "No approved decision memo is waiting" in response.text


def test_bad_input_shows_errors_and_saves_nothing(client, full_contract, lead):
    client.force_login(lead)
    activity = full_contract.raci_activities.first()
    accountable = activity.assignments.get(code="A").party
    data = {f"cell-{a.pk}-{c.party}": c.code for a in full_contract.raci_activities.all() for c in a.assignments.all()}
    data[f"cell-{activity.pk}-{accountable}"] = ""
    response = client.post(reverse("contracts:raci_edit", args=[full_contract.reference]), data)
    assert response.status_code == 400 and "exactly one Accountable" in response.text
    assert activity.assignments.get(party=accountable).code == "A"
    milestones = full_contract.milestones.count()  # the fixture's one post-award milestone
    response = client.post(reverse("contracts:milestone_add", args=[full_contract.reference]),
                           {"title": "Go live", "due_date": "not a date"})
    assert response.status_code == 400 and full_contract.milestones.count() == milestones


def test_kickoff_hold_refused_without_manager_answers_409(client, lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    services.kickoff_update(actor=lead, kickoff=contract.kickoff, meeting_date=timezone.localdate())
    client.force_login(lead)
    page = client.get(reverse("contracts:kickoff_hold", args=[contract.reference]))
    assert "must be among the attendees" in page.text
    response = client.post(reverse("contracts:kickoff_hold", args=[contract.reference]))
    assert response.status_code == 409
    contract.kickoff.refresh_from_db()
    assert not contract.kickoff.is_held


def test_clause_agreement_through_the_page(client, lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    held_kickoff(contract, lead=lead, manager=manager)
    clause = contract.clauses.first()
    client.force_login(lead)
    url = reverse("contracts:clause_status", args=[contract.reference, clause.pk, "agreed"])
    response = client.post(url, {"agreed_summary": ""})
    assert response.status_code == 400 and "Summarise the wording" in response.text
    response = client.post(url, {"agreed_summary": "As per playbook"})
    assert response.status_code == 302
    clause.refresh_from_db()
    assert clause.status == ClausePosition.Status.AGREED


def test_home_panel_lists_my_contracts(client, full_contract, manager, make_user):
    client.force_login(manager)
    assert full_contract.reference in client.get("/").text
    client.force_login(make_user(Role.POST_AWARD_MANAGER))
    assert full_contract.reference not in client.get("/").text


def test_unresolved_feedback_is_visible_on_its_clause(client, full_contract, lead):
    client.force_login(lead)
    text = client.get(reverse("contracts:section", args=[full_contract.reference, "negotiation"])).text
    clause = full_contract.clauses.first()
    section = text.split(f'id="clause-{clause.pk}"', 1)[1].split("</article>", 1)[0]
    assert "Monthly please" in section and "Unresolved" in section and "block" in section


def test_raci_grid_has_a_label_for_every_cell_and_no_inline_script_or_style(client, full_contract, lead):
    client.force_login(lead)
    text = client.get(reverse("contracts:raci_edit", args=[full_contract.reference])).text
    cells = full_contract.raci_activities.count() * 6
    assert text.count('<select name="cell-') == cells
    assert text.count('class="visually-hidden" for="id_cell-') == cells
    assert "<script>" not in text and " style=" not in text and "onclick" not in text
