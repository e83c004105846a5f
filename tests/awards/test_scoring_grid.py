"""The scoring grid and the scorecard pages through HTTP: 404 for outsiders, blind grid, htmx cell saves."""

import pytest
from django.urls import reverse

from awards import services
from awards.models.scorecard import Score, Scorecard
from procurement.accounts.roles import Role
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.scorecards import criteria_of, declare_all, score_all  # noqa: E402

pytestmark = pytest.mark.django_db
criteria = criteria_of


@pytest.fixture
def scoring(evaluation):
    return declare_all(evaluation)


def _urls(procedure):
    ref = procedure.reference
    bid = procedure.bids.first()
    criterion = criteria(procedure)[0]
    knockout = procedure.scorecard.knockouts.first()
    return [
        ("get", reverse("awards:scorecard", args=[ref])),
        ("post", reverse("awards:scorecard_create", args=[ref])),
        ("get", reverse("awards:scorecard_lock", args=[ref])),
        ("get", reverse("awards:scorecard_group_add", args=[ref])),
        ("get", reverse("awards:scorecard_group_edit", args=[ref, criterion.group_id])),
        ("get", reverse("awards:scorecard_criterion_add", args=[ref])),
        ("get", reverse("awards:scorecard_criterion_edit", args=[ref, criterion.pk])),
        ("get", reverse("awards:scorecard_knockout_add", args=[ref])),
        ("get", reverse("awards:scorecard_knockout_edit", args=[ref, knockout.pk])),
        ("get", reverse("awards:scoring", args=[ref])),
        ("post", reverse("awards:scoring_cell", args=[ref])),
        ("post", reverse("awards:scoring_submit", args=[ref])),
        ("get", reverse("awards:scoring_sheet_export", args=[ref])),
        ("get", reverse("awards:scoring_sheet_import", args=[ref])),
        ("get", reverse("awards:results", args=[ref])),
        ("get", reverse("awards:results_export", args=[ref, "xlsx"])),
        ("get", reverse("awards:results_export", args=[ref, "csv"])),
        ("get", reverse("awards:results_knockout", args=[ref, knockout.pk, bid.pk])),
        ("get", reverse("awards:results_consensus", args=[ref, bid.pk, criterion.pk])),
        ("get", reverse("awards:results_shortlist", args=[ref, bid.pk])),
    ]


URL_COUNT = 20


@pytest.mark.parametrize("index", range(URL_COUNT))
def test_an_evaluator_of_another_procedure_gets_404_on_every_scoring_url(scoring, client, lead, make_user,
                                                                         index):
    other = services.procedure_create(actor=lead, submission="recorded", title="Other", need_statement="x",
                                      business_owner=scoring.business_owner, category="ai_saas",
                                      estimated_value=1, currency="EUR", term_months=12)
    outsider = make_user(Role.EVALUATOR)
    services.evaluator_assign(actor=lead, procedure=other, evaluator=outsider)
    client.force_login(outsider)
    score_all(scoring, scoring.evaluators[0], 3)
    sheet = scoring.scorecard.sheets.get()
    urls = _urls(scoring) + [("get", reverse("awards:scorecard_sheet_reopen", args=[scoring.reference, sheet.pk]))]
    assert len(urls) == URL_COUNT + 1
    method, url = urls[index]

    response = getattr(client, method)(url, {"bid": scoring.bids.first().pk, "value": "5"} if method == "post" else {})

    assert response.status_code == 404
    if index == 0:  # the reopen URL too
        assert client.get(urls[-1][1]).status_code == 404
    assert Score.objects.count() == 9  # unchanged


def test_the_grid_is_blind_until_submission(scoring, client):
    first, second = scoring.evaluators
    score_all(scoring, first, 3, rationale="FIRST-SECRET")
    services.scoresheet_submit(actor=first, procedure=scoring)
    score_all(scoring, second, 4, rationale="mine")
    client.force_login(second)
    url = reverse("awards:scoring", args=[scoring.reference])

    page = client.get(url).content.decode()
    assert "FIRST-SECRET" not in page
    assert 'name="value"' in page and 'hx-post=' in page

    client.post(reverse("awards:scoring_submit", args=[scoring.reference]))
    page = client.get(url).content.decode()
    assert "FIRST-SECRET" in page and 'name="value"' not in page


def test_htmx_cell_save_and_refusal(scoring, client):
    first, _ = scoring.evaluators
    client.force_login(first)
    bid, criterion = scoring.bids.first(), criteria(scoring)[0]
    url = reverse("awards:scoring_cell", args=[scoring.reference])

    response = client.post(url, {"bid": bid.pk, "criterion": criterion.pk, "value": "9"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "outside the scale" in response.content.decode()
    response = client.post(url, {"bid": bid.pk, "criterion": criterion.pk, "value": "0"}, HTTP_HX_REQUEST="true")
    assert "rationale is required" in response.content.decode()
    assert not Score.objects.exists()

    response = client.post(url, {"bid": bid.pk, "criterion": criterion.pk, "value": "3.5", "rationale": "ok"},
                           HTTP_HX_REQUEST="true")
    assert "Saved" in response.content.decode()
    assert Score.objects.get().value == 3.5
    assert Scorecard.objects.get(procedure=scoring).is_locked

    response = client.post(url, {"bid": bid.pk, "criterion": criterion.pk, "value": ""})  # no JS: redirect
    assert response.status_code == 302 and not Score.objects.exists()


def test_only_evaluators_open_the_grid_and_only_lead_owner_auditor_see_results(scoring, client, lead, make_user):
    client.force_login(lead)
    assert client.get(reverse("awards:scoring", args=[scoring.reference])).status_code == 403
    assert client.get(reverse("awards:results", args=[scoring.reference])).status_code == 200
    for user, status in ((scoring.evaluators[0], 403), (make_user(Role.PROCUREMENT_LEAD), 403),
                         (scoring.business_owner, 200), (make_user(Role.AUDITOR), 200)):
        client.force_login(user)
        assert client.get(reverse("awards:results", args=[scoring.reference])).status_code == status, user


def test_lead_builds_from_template_and_bad_weight_shows_next_to_the_field(procedure, client, lead):
    from tests.factories.scorecards import template

    client.force_login(lead)
    response = client.post(reverse("awards:scorecard_create", args=[procedure.reference]),
                           {"template": template().pk})
    assert response.status_code == 302
    card = Scorecard.objects.get(procedure=procedure)
    group = card.groups.order_by("position").first()

    response = client.post(reverse("awards:scorecard_group_edit", args=[procedure.reference, group.pk]),
                           {"name": group.name, "weight": "abc"})
    assert response.status_code == 400 and "error-summary" in response.content.decode()
    response = client.post(reverse("awards:scorecard_group_edit", args=[procedure.reference, group.pk]),
                           {"name": group.name, "weight": "35"})
    page = client.get(reverse("awards:scorecard", args=[procedure.reference])).content.decode()
    assert "Group weights sum to 105; remove 5." in page
    assert client.login(username=lead.username, password=TEST_PASSWORD)
