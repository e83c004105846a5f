"""Memo pages: who sees what, the step-up sign-off form, the inbox, and the PDF and debrief letter contents."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import Debrief, DecisionMemo, SignOff
from procurement.accounts.roles import Role
from procurement.documents.models import RenderedDocument
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo

pytestmark = pytest.mark.django_db


@pytest.fixture
def approvers(make_user):
    first, second = make_user(Role.COMMITTEE_APPROVER), make_user(Role.COMMITTEE_APPROVER)
    committee(PM, first, second, quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    return first, second


@pytest.fixture
def submitted(lead, business_owner, approvers):
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    return shortlist, memo


def url(name, memo):
    return reverse(f"awards:{name}", args=[memo.procedure.reference])


def test_the_lead_starts_edits_and_submits_with_confirmation(client, lead, business_owner, approvers):
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    client.force_login(lead)
    page = client.get(shortlist.procedure.get_absolute_url())
    assert "Write the award decision memo" in page.content.decode()

    response = client.post(reverse("awards:memo_create", args=[shortlist.procedure.reference]))
    memo = DecisionMemo.objects.get(procedure=shortlist.procedure)
    assert response.status_code == 302
    alt = f"alt_{shortlist.bids[1].pk}"
    form = client.get(url("memo_edit", memo)).content.decode()
    assert f'name="{alt}"' in form and 'name="status"' not in form
    decision_date = (timezone.localdate() + timedelta(days=14)).isoformat()  # never in the past (issue 17)
    data = {"title": "Award", "decision_date": decision_date, "contract_value": "50000",
            "recommended_bid": shortlist.bids[0].pk, "recommendation": "Best <script>x</script> **value**",
            alt: "Weaker accuracy"}
    assert client.post(url("memo_edit", memo), data).status_code == 302
    detail = client.get(url("memo_detail", memo)).content.decode()
    assert "<strong>value</strong>" in detail and "<script>" not in detail
    assert "Submit for approval" in detail
    assert "Under 100k, low or medium tier" in detail and "Procurement manager" in detail  # the route it would take

    client.post(url("memo_submit", memo), {})  # no confirmation: nothing happens
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.DRAFT
    client.post(url("memo_submit", memo), {"confirm": "yes"})
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL


def test_bad_input_is_shown_next_to_the_field(client, submitted):
    shortlist, memo = submitted
    client.force_login(shortlist.lead)
    response = client.post(url("memo_edit", memo), {"title": "", "decision_date": "not a date",
                                                   "contract_value": "-5"})
    assert response.status_code == 400  # a bad form answers 400 (the rule in every app)
    assert 'id="id_decision_date_error"' in response.content.decode()
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL  # nothing half-saved


def test_wrong_password_shows_an_error_next_to_the_field_and_records_nothing(client, submitted, approvers):
    shortlist, memo = submitted
    client.force_login(approvers[0])
    response = client.post(url("memo_sign", memo), {"decision": "approve", "password": "wrong", "confirm": "on"})
    assert response.status_code == 400
    assert 'id="id_password_error"' in response.content.decode()
    assert not SignOff.objects.exists()


def test_two_approvers_sign_and_the_memo_is_approved(client, submitted, approvers, django_capture_on_commit_callbacks):
    shortlist, memo = submitted
    for person in approvers:
        client.force_login(person)
        inbox = client.get(reverse("awards:memo_inbox")).content.decode()
        assert memo.procedure.reference in inbox
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("memo_sign", memo), {"decision": "approve", "comment": "Fine",
                                                            "password": TEST_PASSWORD, "confirm": "on"})
        assert response.status_code == 302
    memo.refresh_from_db()
    assert memo.is_approved
    client.force_login(approvers[0])
    assert memo.procedure.reference not in client.get(reverse("awards:memo_inbox")).content.decode()
    assert client.post(url("memo_sign", memo), {"decision": "approve", "password": TEST_PASSWORD,
                                                "confirm": "on"}).status_code == 409
    client.force_login(shortlist.lead)
    assert client.get(url("memo_edit", memo)).status_code == 409

    # The memo PDF (eager renderer here) holds the sections, the approvers and the hash they signed.
    doc = RenderedDocument.objects.get(kind="award_memo", status="ready")
    assert doc.file_name == f"{memo.reference}-award-memo-v1.pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(BytesIO(doc.file.read())).pages)
    # The text extractor sometimes splits a word where the PDF kerns it ("Audit trai l"): headings are compared
    # with the white space taken out on both sides.
    squeezed = "".join(text.split())
    for heading in ("Recommendation", "Alternatives considered", "Scoring summary", "Residual risks",
                    "Contract negotiation strategy", "Audit trail"):
        assert "".join(heading.split()) in squeezed
    for person in approvers:
        assert person.get_full_name() in text
    # How each signature was confirmed, in the PDF and on the memo page (a password here; passkeys in
    # tests/passkeys).
    assert squeezed.count("Passwordre-entered") == len(approvers)
    client.force_login(approvers[0])
    page = client.get(memo.get_absolute_url()).content.decode()
    assert page.count("<td>Password re-entered</td>") == len(approvers)
    assert memo.content_hash in text.replace("\n", "")


def test_strangers_get_404_and_other_leads_may_read_but_not_edit(client, submitted, make_user, stranger):
    shortlist, memo = submitted
    client.force_login(stranger)
    assert client.get(url("memo_detail", memo)).status_code == 404
    other = make_user(Role.PROCUREMENT_LEAD)
    client.force_login(other)
    assert client.get(url("memo_detail", memo)).status_code == 200
    assert client.get(url("memo_edit", memo)).status_code == 403


def test_the_memo_page_costs_a_bounded_number_of_queries(client, submitted, approvers,
                                                         django_assert_max_num_queries):
    shortlist, memo = submitted
    client.force_login(approvers[0])
    with django_assert_max_num_queries(30):
        assert client.get(url("memo_detail", memo)).status_code == 200


def test_debrief_letter_holds_only_the_bidders_own_scores_and_the_winning_total(
        client, submitted, approvers, django_capture_on_commit_callbacks):
    shortlist, memo = submitted
    for person in approvers:
        services.signoff_record(actor=person, memo=memo, decision="approve", password=TEST_PASSWORD)
    debrief = Debrief.objects.get(bid=shortlist.bids[1])
    client.force_login(shortlist.lead)
    response = client.post(reverse("awards:debrief_edit", args=[memo.reference, debrief.pk]), {
        "held_on": "2026-11-25", "attendees": "Our lead\nTheir sales lead", "strengths": "Clear pricing",
        "weaknesses": "Accuracy below the winner", "advice": "Show grounded answers"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        services_doc = __import__("procurement.documents.services", fromlist=["document_request"])
        services_doc.document_request(kind="debrief_letter", source=debrief, actor=shortlist.lead)
    doc = RenderedDocument.objects.get(kind="debrief_letter", status="ready")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(doc.file.read())).pages)
    debrief.refresh_from_db()
    assert str(shortlist.bids[1].vendor) in text
    assert f"{debrief.own_total:.2f}" in text and f"{debrief.winning_total:.2f}" in text
    assert "Clear pricing" in text
    # a standstill notice names the winner (issue 17, finding 11) and nobody else; no other bidder's detail
    assert str(memo.recommended_bid.vendor) in text and memo.recommended_bid == shortlist.bids[0]
    assert str(shortlist.bids[2].vendor) not in text
    third = Debrief.objects.get(bid=shortlist.bids[2])
    for value in [third.own_total] + [g["points"] for g in third.groups]:
        assert f"{value:.2f}" not in text


MEMO_ROUTES = {"memo_detail", "memo_create", "memo_edit", "memo_submit", "memo_sign", "debrief_edit"}


def test_every_memo_route_answers_404_to_people_not_involved(client, submitted, approvers, stranger, make_user):
    from awards.urls import urlpatterns

    shortlist, memo = submitted
    for person in approvers:
        services.signoff_record(actor=person, memo=memo, decision="approve", password=TEST_PASSWORD)
    debrief = Debrief.objects.filter(memo=memo).first()
    routed = {p.name for p in urlpatterns if p.callback.__module__ == "awards.views.memo"}
    assert routed == MEMO_ROUTES | {"memo_inbox"}
    urls = {name: url(name, memo) for name in MEMO_ROUTES - {"debrief_edit"}}
    urls["debrief_edit"] = reverse("awards:debrief_edit", args=[memo.reference, debrief.pk])
    outsider = make_user(Role.COMMITTEE_APPROVER)  # an approver on no committee of this route
    for person in (stranger, outsider):
        client.force_login(person)
        for name, address in urls.items():
            response = client.post(address) if name in ("memo_create", "memo_submit") else client.get(address)
            assert response.status_code == 404, (person, name)
    client.force_login(approvers[0])  # approvers read the memo, never the debriefs
    assert client.get(urls["debrief_edit"]).status_code == 404
    client.logout()
    assert client.get(urls["memo_detail"]).status_code == 302  # to the sign-in page


def test_home_panel_lists_memos_waiting_for_the_member(client, submitted, approvers, django_assert_max_num_queries):
    from awards.dashboard import panels

    shortlist, memo = submitted
    with django_assert_max_num_queries(2):
        found = panels(approvers[0])
    assert [(p["title"], p["count"]) for p in found] == [("Decision memos waiting for your sign-off", 1)]
    services.signoff_record(actor=approvers[0], memo=memo, decision="approve", password=TEST_PASSWORD)
    assert panels(approvers[0]) == []
    client.force_login(approvers[1])
    assert memo.reference in client.get("/").content.decode()


def test_the_memo_history_page_follows_the_memo_policy(client, submitted, stranger, approvers):
    shortlist, memo = submitted
    address = reverse("audit:object", args=["awards.decisionmemo", memo.pk])
    for person, status in ((shortlist.lead, 200), (approvers[0], 200), (stranger, 404)):
        client.force_login(person)
        assert client.get(address).status_code == status
