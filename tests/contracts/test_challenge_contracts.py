"""Issue 17, findings 12 and 13: the negotiation side sets our clause positions, the manager's feedback travels in
the handoff pack, the pack is not acknowledged over unsettled clauses, a kickoff is not held in the future; and
payments keep recording, approving and paying apart, in the RACI's seat, after the milestone is accepted."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from contracts import handoff, services
from contracts.models import ClausePosition, Invoice, PackAcknowledgement
from contracts.policies import contract_policy
from procurement.accounts.roles import Role
from procurement.documents.models import RenderedDocument
from procurement.documents.services import document_render
from procurement.exceptions import InvalidTransition
from tests.factories.contracts import active_contract, held_kickoff, milestone, open_contract

pytestmark = pytest.mark.django_db
S = ClausePosition.Status
TODAY = timezone.localdate
PAYMENT_APPROVAL_ACTIVITY = "Approve payments"  # the seeded RACI row (contracts/playbook.py)


def history_count(obj) -> int:
    return obj.history.count()


def render(contract, actor):
    doc = services.pack_request(actor=actor, contract=contract)
    document_render(document_id=doc.pk)
    doc.refresh_from_db()
    assert doc.status == RenderedDocument.Status.READY
    return doc


def settle_all(contract, lead):
    for position in contract.clauses.exclude(status__in=[S.AGREED, S.CONCEDED]):
        services.clause_set_status(actor=lead, position=position, status=S.AGREED,
                                   agreed_summary=f"Agreed: {position.title}")


# --- finding 12: who sets our positions ----------------------------------------------------------------------
@pytest.mark.parametrize("target", [S.AGREED, S.PROPOSED, S.COUNTERED])
def test_finding_12_the_manager_cannot_move_a_clause(contract, manager, target):
    clause = contract.clauses.first()
    before = history_count(clause)
    with pytest.raises(PermissionDenied, match="procurement lead"):
        services.clause_set_status(actor=manager, position=clause, status=target, agreed_summary="Anything")
    clause.refresh_from_db()
    assert clause.status == S.OPEN and clause.agreed_summary == "" and history_count(clause) == before
    assert not contract_policy.can(manager, "position", contract)


def test_finding_12_the_manager_cannot_set_our_positions_but_comments(contract, lead, manager):
    clause = contract.clauses.first()
    target = clause.target
    for field in ("target", "fallback", "walk_away"):
        with pytest.raises(PermissionDenied, match="procurement lead"):
            services.clause_position_update(actor=manager, position=clause, **{field: "Whatever the vendor offers"})
    clause.refresh_from_db()
    assert clause.target == target
    # the manager still records what the vendor says and comments on the clause
    services.clause_position_update(actor=manager, position=clause, vendor_position="Wants 30 days")
    services.feedback_add(actor=manager, position=clause, topic="reporting", body="Monthly reports, please")
    # and the negotiation side still sets both
    services.clause_set_status(actor=lead, position=clause, status=S.PROPOSED, reason="Draft sent")


def test_finding_12_the_clause_form_does_not_offer_the_manager_our_positions(client, contract, lead, manager):
    clause = contract.clauses.first()
    client.force_login(manager)
    page = client.get(reverse("contracts:clause_edit", args=[contract.reference, clause.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="vendor_position"' in text
    for field in ("target", "fallback", "walk_away", "agreed_summary", "owner"):
        assert f'name="{field}"' not in text
    detail = client.get(reverse("contracts:section", args=[contract.reference, "negotiation"])).content.decode()
    assert reverse("contracts:feedback_add", args=[contract.reference, clause.pk]) in detail  # the clause is there
    assert reverse("contracts:clause_status", args=[contract.reference, clause.pk, "agreed"]) not in detail
    response = client.post(reverse("contracts:clause_status", args=[contract.reference, clause.pk, "agreed"]),
                           {"agreed_summary": "Fine"})
    assert response.status_code == 403
    client.force_login(lead)
    text = client.get(reverse("contracts:clause_edit", args=[contract.reference, clause.pk])).content.decode()
    assert 'name="target"' in text


# --- finding 12: the manager's feedback travels in the pack ---------------------------------------------------
def test_finding_12_clause_feedback_is_in_the_pack_and_its_data_files(contract, lead, manager):
    clause = contract.clauses.first()
    fb = services.feedback_add(actor=manager, position=clause, topic="reporting", body="Monthly uptime reports")
    services.feedback_respond(actor=lead, feedback=fb, response="Added to our counter-proposal", resolve=False)
    services.feedback_add(actor=manager, position=clause, topic="escalation", body="Name an escalation contact")
    context = handoff.handoff_context(contract)
    rows = context["feedback"]
    assert {r["feedback"] for r in rows} == {"Monthly uptime reports", "Name an escalation contact"}
    answered = next(r for r in rows if r["feedback"] == "Monthly uptime reports")
    assert answered["clause"] == clause.title and answered["topic"] == "Reporting obligations"
    assert answered["raised_by"] == (manager.get_full_name() or manager.username)
    assert answered["response"] == "Added to our counter-proposal" and answered["status"] == "Open"
    html = render_to_string("contracts/handoff_pack.html", {**context, "document": None})
    assert "Monthly uptime reports" in html and "Name an escalation contact" in html
    assert "Added to our counter-proposal" in html
    files = handoff.handoff_attachments(contract, context)
    data = files[f"{contract.reference}-clause-feedback.csv"].decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(data)))
    assert table[0][:3] == ["Clause", "Topic", "Feedback"]
    assert {row[2] for row in table[1:]} == {"Monthly uptime reports", "Name an escalation contact"}


# --- finding 12: no acknowledgement over unsettled clauses; the draft says so -----------------------------------
def test_finding_12_the_pack_is_not_acknowledged_while_clauses_are_open_or_escalated(lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    held_kickoff(contract, lead=lead, manager=manager)
    clauses = list(contract.clauses.all())
    settle_all(contract, lead)
    services.clause_set_status(actor=lead, position=clauses[0], status=S.OPEN, reason="Reopened")
    services.clause_set_status(actor=lead, position=clauses[1], status=S.OPEN, reason="Reopened")
    services.clause_set_status(actor=lead, position=clauses[1], status=S.ESCALATED, reason="Vendor refuses")
    doc = render(contract, manager)
    with pytest.raises(InvalidTransition) as refused:
        services.pack_acknowledge(actor=manager, contract=contract, document=doc)
    message = str(refused.value)
    assert f"“{clauses[0].title}” (open)" in message and f"“{clauses[1].title}” (escalated)" in message
    assert not PackAcknowledgement.objects.exists()
    # once every clause is settled, the new version is acknowledged
    settle_all(contract, lead)
    doc = render(contract, manager)
    receipt = services.pack_acknowledge(actor=manager, contract=contract, document=doc)
    assert receipt.version == doc.version


def test_finding_12_a_pack_rendered_during_negotiation_says_it_is_a_draft(contract, lead, manager):
    count = contract.clauses.count()
    services.clause_set_status(actor=lead, position=contract.clauses.first(), status=S.AGREED, agreed_summary="ok")
    context = handoff.handoff_context(contract)
    assert context["draft"] == {"open": count - 1}
    html = render_to_string("contracts/handoff_pack.html", {**context, "document": None})
    assert f"draft: {count - 1} clauses open" in html
    settle_all(contract, lead)
    context = handoff.handoff_context(contract)
    assert context["draft"] is None
    assert "draft:" not in render_to_string("contracts/handoff_pack.html", {**context, "document": None})


# --- finding 12: a kickoff is not held in the future ------------------------------------------------------------
def test_finding_12_a_kickoff_cannot_be_recorded_held_on_a_future_date(contract, lead, manager):
    kickoff = contract.kickoff
    services.kickoff_update(actor=lead, kickoff=kickoff, meeting_date=TODAY() + datetime.timedelta(days=3))
    services.kickoff_attendee_add(actor=lead, kickoff=kickoff, user=manager, role="post_award_manager")
    before = history_count(kickoff)
    with pytest.raises(InvalidTransition, match="future"):
        services.kickoff_hold(actor=lead, kickoff=kickoff)
    kickoff.refresh_from_db()
    assert not kickoff.is_held and history_count(kickoff) == before
    # held on the day, it cannot then be moved into the future
    services.kickoff_update(actor=lead, kickoff=kickoff, meeting_date=TODAY())
    services.kickoff_hold(actor=lead, kickoff=kickoff)
    with pytest.raises(InvalidTransition, match="future"):
        services.kickoff_update(actor=lead, kickoff=kickoff, meeting_date=TODAY() + datetime.timedelta(days=1))


# --- finding 13: payments ---------------------------------------------------------------------------------------
@pytest.fixture
def owner(make_user):
    return make_user(Role.BUSINESS_OWNER)


@pytest.fixture
def live(lead, manager, owner):
    return active_contract(lead=lead, manager=manager, owner=owner)


def seat_manager_for_payments(contract, lead):
    activity = contract.raci_activities.get(name__iexact=PAYMENT_APPROVAL_ACTIVITY)
    services.raci_save(actor=lead, contract=contract,
                       grid={activity.pk: {"business_owner": "R", "post_award_manager": "A"}})


def record(contract, actor, number="INV-1", **kwargs):
    return services.invoice_record(actor=actor, contract=contract, number=number, amount=Decimal("1000"),
                                   received_on=TODAY() - datetime.timedelta(days=3), **kwargs)


def test_finding_13_recording_approving_and_paying_are_three_people(live, lead, manager, make_user):
    seat_manager_for_payments(live, lead)
    mine = record(live, manager)
    before = history_count(mine)
    with pytest.raises(PermissionDenied, match="recorded"):
        services.invoice_approve(actor=manager, invoice=mine)
    mine.refresh_from_db()
    assert mine.status == Invoice.Status.RECEIVED and mine.approved_by is None and history_count(mine) == before

    theirs = record(live, lead, number="INV-2")
    services.invoice_approve(actor=manager, invoice=theirs)
    for same in (lead, manager):  # the recorder, then the approver
        with pytest.raises(PermissionDenied, match="different"):
            services.invoice_pay(actor=same, invoice=theirs)
    theirs.refresh_from_db()
    assert theirs.status == Invoice.Status.APPROVED and theirs.paid_on is None
    third = make_user(Role.PROCUREMENT_LEAD)
    paid = services.invoice_pay(actor=third, invoice=theirs)
    assert paid.status == Invoice.Status.PAID


def test_finding_13_segregation_follows_the_setting(live, lead, manager, settings):
    settings.BATON_PAYMENT_SEGREGATION = False
    seat_manager_for_payments(live, lead)
    invoice = record(live, manager)
    services.invoice_approve(actor=manager, invoice=invoice)
    assert services.invoice_pay(actor=manager, invoice=invoice).status == Invoice.Status.PAID


def test_finding_13_only_the_raci_accountable_seat_approves_payments(live, lead, manager, owner):
    invoice = record(live, lead)
    for someone in (manager, lead):
        with pytest.raises(PermissionDenied, match="Approve payments"):
            services.invoice_approve(actor=someone, invoice=invoice)
    assert not contract_policy.can(manager, "approve_payment", live)
    assert set(contract_policy.actionable(owner, "approve_payment")) == {live}
    approved = services.invoice_approve(actor=owner, invoice=invoice)
    assert approved.status == Invoice.Status.APPROVED and approved.approved_by == owner
    assert services.invoice_pay(actor=manager, invoice=approved).status == Invoice.Status.PAID


def test_finding_13_the_accountable_seat_approves_through_the_page(client, live, lead, manager, owner):
    invoice = record(live, lead)
    url = reverse("contracts:invoice_step", args=[live.reference, invoice.pk, "approve"])
    client.force_login(manager)
    assert client.post(url, {"on": TODAY().isoformat()}).status_code == 403
    client.force_login(owner)
    page = client.get(reverse("contracts:section", args=[live.reference, "money"])).content.decode()
    assert url in page
    assert client.post(url, {"on": TODAY().isoformat()}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED and invoice.approved_by == owner


def test_finding_13_a_milestone_invoice_waits_for_the_milestone_acceptance(live, lead, manager, owner):
    m = milestone(live, actor=lead, acceptance_criteria="Handles 200 claims a day", test_method="Replay",
                  tester=manager)
    invoice = record(live, lead, milestone=m)
    before = history_count(invoice)
    with pytest.raises(InvalidTransition, match="accepted"):
        services.invoice_approve(actor=owner, invoice=invoice)
    services.milestone_deliver(actor=manager, milestone=m, reason="Handed over")
    with pytest.raises(InvalidTransition, match="accepted"):
        services.invoice_approve(actor=owner, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RECEIVED and history_count(invoice) == before
    services.milestone_decide(actor=manager, milestone=m, accept=True, note="212 claims a day")
    assert services.invoice_approve(actor=owner, invoice=invoice).status == Invoice.Status.APPROVED
