"""Undoing what is undoable on a contract, with a reason (issue 21): removing a RACI activity or a kickoff attendee
before the kickoff is held, and disputing an invoice (and resolving the dispute)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Invoice, KickoffAttendee, RaciActivity
from contracts.services.payments import invoice_dispute, invoice_dispute_resolve, payments_check
from contracts.services.planning import raci_activity_remove
from procurement.exceptions import InvalidTransition
from tests.factories.contracts import active_contract, held_kickoff, open_contract

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def url(name, contract, *args):
    return reverse(f"contracts:{name}", args=[contract.reference, *args])


def removed_row(model, pk):
    return model.history.filter(id=pk, history_type="-").get()


# --- RACI activities ----------------------------------------------------------------------------------------


def test_lead_removes_a_raci_activity_with_a_reason(client, lead, manager, contract):
    activity = contract.raci_activities.get(name="Train users")
    cells = list(activity.assignments.values_list("pk", flat=True))
    client.force_login(lead)
    page = client.get(url("raci_activity_remove", contract, activity.pk))
    assert page.status_code == 200 and b"Train users" in page.content
    # a post without a reason is refused at the field, and nothing goes
    response = client.post(url("raci_activity_remove", contract, activity.pk), {"reason": ""})
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    assert RaciActivity.objects.filter(pk=activity.pk).exists()
    response = client.post(url("raci_activity_remove", contract, activity.pk), {"reason": "The vendor trains"})
    assert response.status_code == 302
    assert not RaciActivity.objects.filter(pk=activity.pk).exists()
    record = removed_row(RaciActivity, activity.pk)
    assert record.history_user == lead and record.history_change_reason == "RACI activity removed: The vendor trains"
    from contracts.models import RaciAssignment

    assert {r.history_user_id for r in RaciAssignment.history.filter(id__in=cells, history_type="-")} == {lead.pk}


def test_raci_activity_stays_once_the_kickoff_is_held(client, lead, manager, contract):
    held_kickoff(contract, lead=lead, manager=manager)
    activity = contract.raci_activities.get(name="Train users")
    with pytest.raises(InvalidTransition, match="has been held"):
        raci_activity_remove(actor=lead, activity=activity, reason="Too late")
    client.force_login(lead)
    assert client.get(url("raci_activity_remove", contract, activity.pk)).status_code == 409
    response = client.post(url("raci_activity_remove", contract, activity.pk), {"reason": "Too late"})
    assert response.status_code == 409 and b"has been held" in response.content
    assert RaciActivity.objects.filter(pk=activity.pk).exists()


def test_the_payment_and_change_order_activities_cannot_be_removed(lead, contract):
    activity = contract.raci_activities.get(name="Approve payments")
    with pytest.raises(InvalidTransition, match="cannot be removed"):
        raci_activity_remove(actor=lead, activity=activity, reason="Simplify")
    assert RaciActivity.objects.filter(pk=activity.pk).exists()


def test_raci_removal_permissions(client, manager, auditor, stranger, contract):
    activity = contract.raci_activities.get(name="Train users")
    target = url("raci_activity_remove", contract, activity.pk)
    client.force_login(manager)  # on the team, but the matrix is the negotiation side's
    assert client.post(target, {"reason": "Mine"}).status_code == 403
    client.force_login(auditor)
    assert client.post(target, {"reason": "Mine"}).status_code == 403
    client.force_login(stranger)
    assert client.get(target).status_code == 404
    assert RaciActivity.objects.filter(pk=activity.pk).exists()


# --- kickoff attendees --------------------------------------------------------------------------------------


def test_lead_removes_an_attendee_before_the_kickoff_is_held(client, lead, manager, contract,
                                                              django_assert_max_num_queries):
    kickoff = contract.kickoff
    services.kickoff_update(actor=lead, kickoff=kickoff, meeting_date=TODAY())
    attendee = services.kickoff_attendee_add(actor=lead, kickoff=kickoff, user=manager, role="post_award_manager")
    client.force_login(lead)
    with django_assert_max_num_queries(25):
        page = client.get(url("attendee_remove", contract, attendee.pk))
    assert page.status_code == 200 and b"cannot be recorded as held" in page.content
    response = client.post(url("attendee_remove", contract, attendee.pk), {"reason": "Joins the next meeting"})
    assert response.status_code == 302
    assert not KickoffAttendee.objects.filter(pk=attendee.pk).exists()
    record = removed_row(KickoffAttendee, attendee.pk)
    assert record.history_user == lead
    assert record.history_change_reason == f"Attendee {manager.username} removed: Joins the next meeting"
    # holding still requires the post-award manager among the attendees
    assert "The post-award contract manager must be among the attendees." in services.hold_blockers(kickoff)
    with pytest.raises(InvalidTransition):
        services.kickoff_hold(actor=lead, kickoff=kickoff)


def test_attendees_stay_once_the_kickoff_is_held(client, lead, manager, contract):
    held_kickoff(contract, lead=lead, manager=manager)
    attendee = contract.kickoff.attendees.get(user=lead)
    with pytest.raises(InvalidTransition, match="has been held"):
        services.kickoff_attendee_remove(actor=lead, attendee=attendee, reason="Late change")
    with pytest.raises(ValidationError):
        services.kickoff_attendee_remove(actor=lead, attendee=attendee, reason=" ")
    client.force_login(lead)
    assert client.get(url("attendee_remove", contract, attendee.pk)).status_code == 409
    assert client.post(url("attendee_remove", contract, attendee.pk), {"reason": "Late"}).status_code == 409
    assert KickoffAttendee.objects.filter(pk=attendee.pk).exists()


# --- disputed invoices --------------------------------------------------------------------------------------


@pytest.fixture
def live(lead, manager, business_owner):
    """An active contract; the business owner is the RACI's Accountable for approving payments."""
    return active_contract(lead=lead, manager=manager, owner=business_owner)


@pytest.fixture
def invoice(live, manager):
    return services.invoice_record(actor=manager, contract=live, number="INV-9", amount=Decimal("1200"),
                                   received_on=TODAY() - datetime.timedelta(days=40))


def test_owner_disputes_and_resolves_an_invoice(client, live, invoice, business_owner, manager):
    client.force_login(business_owner)
    assert client.get(url("invoice_dispute", live, invoice.pk)).status_code == 200
    response = client.post(url("invoice_dispute", live, invoice.pk), {"reason": "Billed twice for March"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DISPUTED and invoice.dispute_reason == "Billed twice for March"
    record = invoice.history.latest("history_id")
    assert record.history_user == business_owner
    assert record.history_change_reason == "Invoice INV-9 disputed: Billed twice for March"
    # a disputed invoice is neither approved nor paid, and shows in the money section with its reason
    with pytest.raises(InvalidTransition):
        services.invoice_approve(actor=business_owner, invoice=invoice)
    with pytest.raises(InvalidTransition):
        services.invoice_pay(actor=manager, invoice=invoice)
    client.force_login(manager)
    money = client.get(reverse("contracts:section", args=[live.reference, "money"]))
    assert b"Disputed: Billed twice for March" in money.content
    assert money.context["contract"].open_money >= 1
    # it stays open: the payment check still tells the manager it is late
    assert payments_check(on=TODAY())["payment_late"] == 1
    # resolving it takes a reason and brings it back to received, where it can be approved
    client.force_login(business_owner)
    response = client.post(url("invoice_dispute_resolve", live, invoice.pk), {"reason": "Credit note received"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RECEIVED and invoice.dispute_reason == "Billed twice for March"
    assert invoice.history.latest("history_id").history_change_reason == \
        "Invoice INV-9 dispute resolved: Credit note received"
    assert services.invoice_approve(actor=business_owner, invoice=invoice).status == Invoice.Status.APPROVED


def test_dispute_transitions_that_are_refused(client, live, invoice, business_owner, manager, stranger):
    # resolving an invoice that is not disputed
    with pytest.raises(InvalidTransition, match="cannot move to Received"):
        invoice_dispute_resolve(actor=business_owner, invoice=invoice, reason="Nothing to resolve")
    # a dispute needs a reason
    with pytest.raises(ValidationError):
        invoice_dispute(actor=business_owner, invoice=invoice, reason="")
    # only whoever approves payments disputes: the manager who recorded it may not
    with pytest.raises(PermissionDenied):
        invoice_dispute(actor=manager, invoice=invoice, reason="Mine")
    # an approved invoice is past disputing
    services.invoice_approve(actor=business_owner, invoice=invoice)
    with pytest.raises(InvalidTransition, match="Approved"):
        invoice_dispute(actor=business_owner, invoice=invoice, reason="Too late")
    client.force_login(business_owner)
    assert client.get(url("invoice_dispute", live, invoice.pk)).status_code == 409
    assert client.post(url("invoice_dispute", live, invoice.pk), {"reason": "Too late"}).status_code == 409
    client.force_login(manager)
    assert client.post(url("invoice_dispute", live, invoice.pk), {"reason": "Mine"}).status_code == 403
    client.force_login(stranger)
    assert client.get(url("invoice_dispute", live, invoice.pk)).status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED


def test_disputed_usage_invoice_is_not_counted_as_spend(live, manager, business_owner):
    services.payment_terms_update(actor=manager, contract=live, payment_model="usage", spend_cap=Decimal("5000"))
    kept = services.invoice_record(actor=manager, contract=live, number="U-1", amount=Decimal("700"),
                                   received_on=TODAY())
    contested = services.invoice_record(actor=manager, contract=live, number="U-2", amount=Decimal("900"),
                                        received_on=TODAY())
    invoice_dispute(actor=business_owner, invoice=contested, reason="Usage double counted")
    live.refresh_from_db()
    assert services.usage_spend(live).spend == kept.amount


def test_open_contract_negotiation_page_links_the_corrections(client, lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    services.kickoff_attendee_add(actor=lead, kickoff=contract.kickoff, user=manager, role="post_award_manager")
    client.force_login(lead)
    content = client.get(reverse("contracts:section", args=[contract.reference, "negotiation"])).content.decode()
    attendee = contract.kickoff.attendees.get()
    activity = contract.raci_activities.get(name="Train users")
    assert url("attendee_remove", contract, attendee.pk) in content
    assert url("raci_activity_remove", contract, activity.pk) in content
