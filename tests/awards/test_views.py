"""The pages: forms show errors next to the field and save nothing; refusals are explained, never a 500."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from awards.models import AwardProcedure, Bid, ConflictDeclaration, ProposalDocument
from awards.models.procedure import Stage
from tests.factories.award_fixtures import pdf

pytestmark = pytest.mark.django_db


def _form(business_owner, **overrides):
    data = {"title": "Contract review copilot", "need_statement": "Cut first-pass review time.",
            "business_owner": business_owner.pk, "category": "ai_saas", "estimated_value": "120000",
            "currency": "EUR", "term_months": "24", "submission": "recorded", "single_source_justification": ""}
    data.update(overrides)
    return data


def test_lead_creates_a_procedure_through_the_form(client, lead, business_owner):
    client.force_login(lead)

    response = client.post(reverse("awards:procedure_create"), _form(business_owner))

    procedure = AwardProcedure.objects.get()
    assert response.status_code == 302 and response.url == procedure.get_absolute_url()
    assert procedure.lead == lead and procedure.stage == Stage.DRAFT
    page = client.get(procedure.get_absolute_url()).content.decode()
    assert "Next stage: Requirements" in page and procedure.reference in page


def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(client, lead, business_owner):
    client.force_login(lead)

    response = client.post(reverse("awards:procedure_create"),
                           _form(business_owner, title="", currency="E1", estimated_value="-5"))

    html = response.content.decode()
    assert response.status_code == 400 and 'class="error-summary"' in html
    assert 'id="id_title_error"' in html and 'id="id_estimated_value_error"' in html
    assert not AwardProcedure.objects.exists()


def test_currency_problem_from_the_model_lands_on_its_field(client, lead, business_owner):
    client.force_login(lead)

    html = client.post(reverse("awards:procedure_create"), _form(business_owner, currency="E1")).content.decode()

    assert 'id="id_currency_error"' in html and "three-letter currency code" in html
    assert not AwardProcedure.objects.exists()


def test_stage_is_not_a_form_field(client, lead, procedure):
    client.force_login(lead)

    client.post(reverse("awards:procedure_edit", args=[procedure.reference]),
                _form(procedure.business_owner, stage="awarded"))

    procedure.refresh_from_db()
    assert procedure.stage == Stage.DRAFT


def test_timeline_errors_appear_next_to_the_field_and_dates_stay(client, lead, procedure):
    client.force_login(lead)
    today = timezone.localdate()

    response = client.post(reverse("awards:procedure_timeline", args=[procedure.reference]), {
        "rfp_issue_date": today.isoformat(), "question_deadline": (today + timedelta(days=10)).isoformat(),
        "proposals_due": (today + timedelta(days=5)).isoformat(), "demo_start": "", "demo_end": "",
        "target_award_date": ""})

    html = response.content.decode()
    assert response.status_code == 400  # a bad form answers 400 (the rule in every app)
    assert 'id="id_proposals_due_error"' in html and "must be after the question deadline" in html
    procedure.refresh_from_db()
    assert procedure.rfp_issue_date is None


def test_advancing_with_prerequisites_missing_answers_409_with_the_list(client, lead, procedure):
    client.force_login(lead)
    url = reverse("awards:procedure_advance", args=[procedure.reference])
    client.post(url, {"target": "requirements", "reason": "Go"})

    page = client.get(procedure.get_absolute_url()).content.decode()
    assert "What blocks it" in page and "Add the requirements and have the business owner agree them." in page

    response = client.post(url, {"target": "rfp_issued", "reason": "Go"})
    assert response.status_code == 409
    assert "Add the requirements" in response.content.decode()
    procedure.refresh_from_db()
    assert procedure.stage == Stage.REQUIREMENTS


def test_cancel_asks_for_a_reason_first(client, lead, procedure):
    client.force_login(lead)
    url = reverse("awards:procedure_cancel", args=[procedure.reference])

    assert "Cancel the procedure" in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert 'id="id_reason_error"' in response.content.decode()
    procedure.refresh_from_db()
    assert procedure.stage == Stage.DRAFT

    client.post(url, {"reason": "Need merged into another programme"})
    procedure.refresh_from_db()
    assert procedure.stage == Stage.CANCELLED


def test_business_owner_agrees_all_requirements_from_the_page(client, lead, business_owner, procedure):
    from awards import services

    for title in ("Accuracy", "Escalation"):
        services.requirement_add(actor=lead, procedure=procedure, title=title, priority="must")
    client.force_login(business_owner)

    client.post(reverse("awards:requirements_agree_all", args=[procedure.reference]))

    assert procedure.requirements.filter(agreed_by=business_owner).count() == 2


def test_upload_submit_and_late_decision_through_the_pages(client, lead, rfp_issued):
    client.force_login(lead)
    bid = rfp_issued.bids.order_by("pk").first()
    add = reverse("awards:document_add", args=[rfp_issued.reference, bid.pk])

    bad = client.post(add, {"title": "Offer", "file": pdf("offer.exe")})
    assert 'id="id_file_error"' in bad.content.decode() and not ProposalDocument.objects.exists()

    client.post(add, {"title": "Offer", "file": pdf("offer.pdf")})
    client.post(reverse("awards:bid_submission", args=[rfp_issued.reference, bid.pk]))

    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED and bid.documents.count() == 1
    assert client.get(bid.get_absolute_url()).status_code == 200


def test_evaluator_declares_from_the_page_then_opens_the_bid(client, lead, rfp_issued, make_user):
    from awards import services
    from procurement.accounts.roles import Role

    evaluator = make_user(Role.EVALUATOR)
    services.evaluator_assign(actor=lead, procedure=rfp_issued, evaluator=evaluator)
    bid = rfp_issued.bids.order_by("pk").first()
    client.force_login(evaluator)
    assert client.get(bid.get_absolute_url()).status_code == 404
    page = client.get(rfp_issued.get_absolute_url()).content.decode()
    assert f"Declare for {bid.vendor}" in page

    missing = client.post(reverse("awards:coi_declare", args=[rfp_issued.reference, bid.pk]),
                          {"conflict": "yes", "description": ""})
    assert 'id="id_description_error"' in missing.content.decode()
    client.post(reverse("awards:coi_declare", args=[rfp_issued.reference, bid.pk]), {"conflict": "no"})

    assert ConflictDeclaration.objects.get().review == ConflictDeclaration.Review.NOT_NEEDED
    assert client.get(bid.get_absolute_url()).status_code == 200


def test_list_page_renders_for_every_role(client, procedure, make_user):
    from procurement.accounts.roles import Role

    for role in Role:
        client.force_login(make_user(role))
        assert client.get(reverse("awards:procedure_list")).status_code == 200
