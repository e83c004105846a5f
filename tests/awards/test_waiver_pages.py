"""Issue 17: the pages that record and show a procedure's waivers. Who may record which kind is the waiver
policy's answer; a waiver is checked, shown in full and confirmed before it is written, and never edited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awards import services
from awards.models import Waiver
from procurement.accounts.roles import Role

pytestmark = pytest.mark.django_db

REASON = "The courier receipt shows the proposal reached our gate on the due date."


@pytest.fixture
def other_lead(make_user):
    return make_user(Role.PROCUREMENT_LEAD, first_name="Olga", last_name="Other")


def _urls(procedure):
    return (reverse("awards:waiver_list", args=[procedure.reference]),
            reverse("awards:waiver_new", args=[procedure.reference]))


def _post(procedure, **data):
    return {"kind": "late_bid", "subject": "Vendor 1 Ltd", "reason": REASON, "beneficiary": procedure.lead_id,
            **data}


def test_the_lead_sees_the_waivers_but_no_form(client, rfp_issued, lead, other_lead):
    services.waiver_record(actor=other_lead, procedure=rfp_issued, kind="late_bid", subject="Vendor 1 Ltd",
                           reason=REASON)
    listing, new = _urls(rfp_issued)
    client.force_login(lead)

    page = client.get(listing).content.decode()
    assert "Admission of a late bid" in page and REASON in page and "Olga Other" in page
    assert new not in page
    assert client.get(new).status_code == 403
    assert client.post(new, _post(rfp_issued, beneficiary=other_lead.pk, confirmed="yes")).status_code == 403
    assert Waiver.objects.count() == 1


def test_an_auditor_reads_but_cannot_record(client, rfp_issued, make_user):
    listing, new = _urls(rfp_issued)
    client.force_login(make_user(Role.AUDITOR))

    assert client.get(listing).status_code == 200
    assert client.get(new).status_code == 403


def test_the_form_offers_only_the_kinds_the_policy_allows_and_says_waivers_are_final(client, rfp_issued,
                                                                                     other_lead):
    _, new = _urls(rfp_issued)
    client.force_login(other_lead)

    response = client.get(new)
    html = response.content.decode()
    assert response.status_code == 200
    kinds = [choice for choice, _ in response.context["form"].fields["kind"].choices]
    assert kinds == ["late_bid", "timeline_change", "short_response"]  # the standstill is a committee's
    assert "cannot be edited or withdrawn" in html
    assert response.context["form"]["beneficiary"].value() == rfp_issued.lead_id


def test_a_waiver_is_checked_then_confirmed_before_it_is_written(client, rfp_issued, other_lead):
    listing, new = _urls(rfp_issued)
    client.force_login(other_lead)

    check = client.post(new, _post(rfp_issued))
    html = check.content.decode()
    assert check.status_code == 200 and "Confirm the waiver" in html and REASON in html
    assert "cannot be edited or withdrawn" in html and not Waiver.objects.exists()

    back = client.post(new, {**_post(rfp_issued), "confirmed": "yes", "change": "1"})
    assert back.status_code == 200 and "Check the waiver" in back.content.decode()
    assert REASON in back.content.decode() and not Waiver.objects.exists()

    done = client.post(new, {**_post(rfp_issued), "confirmed": "yes"})
    assert done.status_code == 302 and done["Location"] == listing
    waiver = Waiver.objects.get()
    assert (waiver.kind, waiver.subject, waiver.recorded_by, waiver.beneficiary) == (
        "late_bid", "Vendor 1 Ltd", other_lead, rfp_issued.lead)
    assert waiver.history.get().history_change_reason.startswith("Waiver recorded: Admission of a late bid")


def test_the_policys_refusal_is_shown_next_to_the_field(client, rfp_issued, other_lead):
    _, new = _urls(rfp_issued)
    client.force_login(other_lead)

    for_myself = client.post(new, {**_post(rfp_issued, beneficiary=other_lead.pk), "confirmed": "yes"})
    html = for_myself.content.decode()
    assert for_myself.status_code == 400 and 'id="id_beneficiary_error"' in html
    assert "You would benefit from this waiver" in html

    standstill = client.post(new, {**_post(rfp_issued, kind="standstill"), "confirmed": "yes"})
    assert standstill.status_code == 400 and 'id="id_kind_error"' in standstill.content.decode()

    thin = client.post(new, {**_post(rfp_issued, reason="Because."), "confirmed": "yes"})
    assert thin.status_code == 400 and 'id="id_reason_error"' in thin.content.decode()
    assert not Waiver.objects.exists()


def test_the_procedure_page_lists_the_waivers_and_links_to_them(client, rfp_issued, other_lead):
    services.waiver_record(actor=other_lead, procedure=rfp_issued, kind="timeline_change", reason=REASON)
    listing, new = _urls(rfp_issued)
    client.force_login(other_lead)

    html = client.get(rfp_issued.get_absolute_url()).content.decode()

    assert 'id="waivers"' in html and "Timeline change after the RFP was issued" in html
    assert f'href="{listing}"' in html and f'href="{new}"' in html


def test_a_committee_approver_who_cannot_read_the_procedure_records_the_due_diligence_waiver(
        client, lead, business_owner, make_user):
    """The due-diligence waiver is a committee approver's to record, before the memo can be submitted, when
    nothing is routed to them yet: the waiver pages open to them (and show what the draft memo needs a waiver
    for), while the procedure itself stays closed to them and to everyone else the policy does not name."""
    from tests.factories.memos import shortlisted_procedure, written_memo

    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, due_diligence=False)
    written_memo(shortlist)
    procedure = shortlist.procedure
    listing, new = _urls(procedure)
    approver = make_user(Role.COMMITTEE_APPROVER, first_name="Amara", last_name="Chen")
    client.force_login(approver)
    assert client.get(procedure.get_absolute_url()).status_code == 404

    form = client.get(new)
    assert form.status_code == 200
    assert "Due diligence of the recommended vendor is incomplete" in form.content.decode()
    data = {"kind": "due_diligence", "subject": "", "reason": REASON, "beneficiary": procedure.lead_id}
    assert client.post(new, data).status_code == 200  # the confirmation page
    assert client.post(new, {**data, "confirmed": "yes"}).status_code == 302
    waiver = Waiver.objects.get(procedure=procedure)
    assert waiver.kind == "due_diligence" and waiver.recorded_by == approver
    assert REASON in client.get(listing).content.decode()

    client.force_login(make_user(Role.EVALUATOR))
    assert client.get(listing).status_code == 404 and client.get(new).status_code == 404
