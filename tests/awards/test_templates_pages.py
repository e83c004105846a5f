"""The template pages and starting a procedure (issue 21): who sees what (404 unseen, 403 seen but not theirs,
409 retired), errors next to the fields with nothing half-saved, htmx partials, and bounded queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from awards.models import AwardProcedure, ProcedureTemplate
from awards.models.scorecard import ScorecardTemplate
from awards.services import templates as tpl
from procurement.accounts.roles import Role
from tests.factories.scorecards import complete_scorecard, template

pytestmark = pytest.mark.django_db

LIST = reverse("awards:template_list")
START = reverse("awards:procedure_start")


@pytest.fixture
def signed_in(client):
    def sign(user):
        client.force_login(user)
        return client

    return sign


@pytest.fixture
def scored(procedure):
    complete_scorecard(procedure)
    procedure.refresh_from_db()
    return procedure


def _many_templates(lead, procedure, n, start=0):
    for i in range(start, start + n):
        tpl.scorecard_template_save(actor=lead, scorecard=procedure.scorecard, name=f"Card {i}", reason="")
        tpl.procedure_template_save(actor=lead, procedure=procedure, name=f"Set-up {i}")


# --- the templates page ------------------------------------------------------------------------------------------


def test_the_list_shows_both_kinds_with_version_author_and_state_in_bounded_queries(
        signed_in, lead, scored, django_assert_max_num_queries):
    _many_templates(lead, scored, 2)
    client = signed_in(lead)
    with django_assert_max_num_queries(12) as few:
        page = client.get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "AI vendor selection" in text and "Seeded with Baton" in text
    assert "Card 1" in text and "Set-up 1" in text and lead.username in text
    _many_templates(lead, scored, 6, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Card 7" in client.get(LIST).content.decode()


@pytest.mark.parametrize("role", [Role.POST_AWARD_MANAGER, None])
def test_people_outside_award_procedures_do_not_see_templates(signed_in, make_user, role):
    client = signed_in(make_user(*([role] if role else [])))
    assert client.get(LIST).status_code == 404
    assert client.get(reverse("awards:template_detail", args=["scorecard", template().slug])).status_code == 404


def test_the_detail_shows_the_definition_and_every_version_with_who_and_why(
        signed_in, lead, scored, make_user, django_assert_max_num_queries):
    first = tpl.scorecard_template_save(actor=lead, scorecard=scored.scorecard, name="Support", reason="")
    group = scored.scorecard.groups.get(name="Cost")
    from awards import services

    services.group_update(actor=lead, group=group, name="Cost and terms", weight=40)
    tpl.scorecard_template_save(actor=lead, scorecard=scored.scorecard, name="Support", template=first,
                                reason="Terms belong with cost")
    auditor = make_user(Role.AUDITOR)
    client = signed_in(auditor)
    url = reverse("awards:template_detail", args=["scorecard", first.slug])
    with django_assert_max_num_queries(10):
        page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "Cost and terms" in text
    assert "Version 2: Terms belong with cost" in text and "Saved from the scorecard of" in text
    assert "Retire this template" not in text  # an auditor reads, never retires
    older = client.get(url + "?version=1").content.decode()
    assert "Definition of version 1" in older and ">Cost <code" in older
    assert client.get(url + "?version=9").status_code == 404


def test_a_set_up_template_page_shows_details_timeline_and_requirements(signed_in, lead, scored, future_timeline):
    from awards import services

    services.procedure_set_timeline(actor=lead, procedure=scored, **future_timeline)
    saved = tpl.procedure_template_save(actor=lead, procedure=scored, name="Support set-up")
    text = signed_in(lead).get(reverse("awards:template_detail", args=["setup", saved.slug])).content.decode()
    assert "Proposals due: 20 days after the RFP issue date" in text
    assert "Deflect tier-1 tickets." in text and scored.reference in text


# --- retire ------------------------------------------------------------------------------------------------


def test_retire_asks_for_a_reason_and_keeps_the_template(signed_in, lead, make_user):
    seeded = template()
    url = reverse("awards:template_retire", args=["scorecard", seeded.slug])
    assert signed_in(make_user(Role.BUSINESS_OWNER)).post(url, {"reason": "No"}).status_code == 403
    client = signed_in(lead)
    assert "Yes, retire it" in client.get(url).content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and 'id="id_reason_error"' in refused.content.decode()
    assert ScorecardTemplate.objects.get(pk=seeded.pk).active
    done = client.post(url, {"reason": "Replaced by the 2027 edition"})
    assert done.status_code == 302
    seeded.refresh_from_db()
    assert not seeded.active and seeded.history.latest().history_change_reason == "Retired: Replaced by the 2027 " \
                                                                                   "edition"
    assert client.post(url, {"reason": "Again"}).status_code == 409


# --- save as template ---------------------------------------------------------------------------------------------


def test_a_lead_saves_a_scorecard_and_a_set_up_from_the_procedure(signed_in, lead, scored, make_user):
    client = signed_in(make_user(Role.PROCUREMENT_LEAD))  # any lead, not only the procedure's own
    url = reverse("awards:template_save", args=[scored.reference, "scorecard"])
    assert client.get(url).status_code == 200
    done = client.post(url, {"name": "Support bots", "description": "", "template": "", "reason": ""})
    saved = ScorecardTemplate.objects.get(name="Support bots")
    assert done.status_code == 302 and done["Location"].endswith(f"/templates/scorecard/{saved.slug}/")
    again = client.post(url, {"name": "Support bots", "template": saved.pk, "reason": ""})
    assert again.status_code == 400 and "Say what changes in this version" in again.content.decode()
    assert ScorecardTemplate.objects.get(pk=saved.pk).version == 1
    setup = client.post(reverse("awards:template_save", args=[scored.reference, "setup"]),
                        {"name": "Support set-up", "template": "", "reason": ""})
    assert setup.status_code == 302 and ProcedureTemplate.objects.filter(name="Support set-up").exists()


def test_saving_is_for_leads_and_an_unseen_procedure_is_404(signed_in, scored, make_user):
    url = reverse("awards:template_save", args=[scored.reference, "scorecard"])
    assert signed_in(scored.business_owner).get(url).status_code == 403
    assert signed_in(make_user(Role.BUSINESS_OWNER)).get(url).status_code == 404
    assert signed_in(make_user(Role.PROCUREMENT_LEAD)).get(
        reverse("awards:template_save", args=[scored.reference, "nonsense"])).status_code == 404


def test_an_incomplete_scorecard_is_refused_with_the_reason_on_the_form(signed_in, lead, procedure):
    from awards import services

    scorecard = services.scorecard_create(actor=lead, procedure=procedure)
    services.group_add(actor=lead, scorecard=scorecard, name="Quality", weight=70)
    page = signed_in(lead).post(reverse("awards:template_save", args=[procedure.reference, "scorecard"]),
                                {"name": "Half", "template": "", "reason": ""})
    assert page.status_code == 400 and "error-summary" in page.content.decode()
    assert not ScorecardTemplate.objects.filter(name="Half").exists()


# --- start a procedure ----------------------------------------------------------------------------------------


def test_the_start_page_lists_templates_and_procedures_with_an_htmx_search(
        signed_in, lead, scored, django_assert_max_num_queries):
    client = signed_in(lead)
    with django_assert_max_num_queries(14):
        page = client.get(START)
    text = page.content.decode()
    assert "AI vendor selection" in text and scored.reference in text
    partial = client.get(START, {"q": "no such procedure"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body and "No procedure you can see matches" in body
    found = client.get(START, {"q": scored.reference}, headers={"HX-Request": "true"})
    assert scored.reference in found.content.decode()


def test_only_people_who_start_procedures_see_the_start_page(signed_in, make_user, scored):
    assert signed_in(make_user(Role.AUDITOR)).get(START).status_code == 404
    copy = reverse("awards:procedure_start_from", args=["copy", scored.reference])
    assert signed_in(make_user(Role.AUDITOR)).get(copy).status_code == 403  # sees the source, starts nothing
    assert signed_in(make_user(Role.BUSINESS_OWNER)).get(copy).status_code == 404  # does not see it
    assert signed_in(make_user(Role.PROCUREMENT_LEAD)).get(
        reverse("awards:procedure_start_from", args=["copy", "AP-1999-9999"])).status_code == 404
    assert signed_in(make_user(Role.EVALUATOR)).get(
        reverse("awards:procedure_start_from", args=["scorecard", template().slug])).status_code == 403


def test_copying_a_procedure_from_the_page(signed_in, lead, scored, business_owner):
    client = signed_in(lead)
    url = reverse("awards:procedure_start_from", args=["copy", scored.reference])
    form = client.get(url).content.decode()
    assert "Category" not in form and 'value="EUR"' in form  # the rest comes from the source
    before = AwardProcedure.objects.count()
    bad = client.post(url, {"title": "", "business_owner": business_owner.pk, "estimated_value": "-1",
                            "currency": "EUR"})
    assert bad.status_code == 400 and AwardProcedure.objects.count() == before
    done = client.post(url, {"title": "Second round", "business_owner": business_owner.pk,
                             "estimated_value": "120000", "currency": "eur", "rfp_issue_date": ""})
    started = AwardProcedure.objects.get(title="Second round")
    assert done.status_code == 302 and done["Location"] == started.get_absolute_url()
    assert started.set_up_from == f"Copied from {scored.reference}" and started.estimated_value == Decimal("120000")
    assert started.scorecard.criteria.count() == scored.scorecard.criteria.count()


def test_starting_from_a_scorecard_template_asks_what_the_procedure_is_about(signed_in, lead, business_owner):
    client = signed_in(lead)
    url = reverse("awards:procedure_start_from", args=["scorecard", template().slug])
    missing = client.post(url, {"title": "Chat", "business_owner": business_owner.pk, "estimated_value": "10",
                                "currency": "EUR"})
    assert missing.status_code == 400 and 'id="id_need_statement_error"' in missing.content.decode()
    done = client.post(url, {"title": "Chat", "business_owner": business_owner.pk, "estimated_value": "10",
                             "currency": "EUR", "category": "ai_saas", "term_months": "12",
                             "need_statement": "A chat assistant.", "rfp_issue_date": "2031-02-03"})
    started = AwardProcedure.objects.get(title="Chat")
    assert done.status_code == 302 and started.scorecard.template_version == 1
    assert str(started.rfp_issue_date) == "2031-02-03"


def test_a_retired_template_cannot_be_started_from(signed_in, lead):
    seeded = template()
    tpl.scorecard_template_retire(actor=lead, template=seeded, reason="Old")
    page = signed_in(lead).get(reverse("awards:procedure_start_from", args=["scorecard", seeded.slug]))
    assert page.status_code == 409
    assert "AI vendor selection" not in signed_in(lead).get(START).content.decode()
