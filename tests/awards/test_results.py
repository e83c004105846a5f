"""The results page: bounded queries, ranking, flags, consensus, knockout confirmation and the shortlist."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards import results, services
from awards.models import Bid
from awards.models.procedure import Stage
from awards.prerequisites import missing_for
from tests.factories.scorecards import build_scored_procedure, criteria_of, declare_all, score_all  # noqa: E402

pytestmark = pytest.mark.django_db
criteria = criteria_of


@pytest.fixture
def scoring(evaluation):
    return declare_all(evaluation)


def _queries(client, procedure) -> int:
    client.force_login(procedure.lead)
    url = reverse("awards:results", args=[procedure.reference])
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert "Ranking" in response.content.decode()
    return len(captured)


def test_results_page_queries_do_not_grow_with_bids_criteria_or_evaluators(client):
    small = build_scored_procedure(bids=2, criteria=2, evaluators=2)
    large = build_scored_procedure(bids=6, criteria=8, evaluators=5)

    small_count, large_count = _queries(client, small), _queries(client, large)

    assert large_count == small_count
    assert small_count <= 25


def test_results_selector_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    procedure = build_scored_procedure(bids=5, criteria=6, evaluators=4)
    with django_assert_max_num_queries(11):  # 10 loads + 1 for the evaluators cleared to open each bid
        data = results.procedure_results(procedure)
    assert len(data.result.ranking) == 5 and data.result.flags


def test_the_lead_confirms_knockouts_resolves_a_flag_and_shortlists(scoring, client, lead):
    first, second = scoring.evaluators
    bids = list(scoring.bids.order_by("pk"))
    score_all(scoring, first, lambda b, c: 4 if b == 0 else 3)
    score_all(scoring, second, lambda b, c: 1 if (b == 1 and c == 0) else (4 if b == 0 else 3))
    services.scoresheet_submit(actor=first, procedure=scoring)
    services.scoresheet_submit(actor=second, procedure=scoring)
    knockout = scoring.scorecard.knockouts.get()
    client.force_login(lead)
    ref = scoring.reference

    url = reverse("awards:results_knockout", args=[ref, knockout.pk, bids[2].pk])
    response = client.post(url, {"decision": "fail", "reason": ""})
    assert response.status_code == 400 and "say what the decision rests on" in response.content.decode()
    client.post(url, {"decision": "fail", "reason": "Refuses the no-training clause"})
    for bid in bids[:2]:
        client.post(reverse("awards:results_knockout", args=[ref, knockout.pk, bid.pk]),
                    {"decision": "pass", "reason": "Accepted our clause"})

    page = client.get(reverse("awards:results", args=[ref])).content.decode()
    assert "Refuses the no-training clause" in page
    assert "No training on our data" in page and "Needs a consensus note" in page
    assert "<svg" in page and ("The winner" in page or "stays first" in page)
    assert any("spread flag" in m for m in missing_for(scoring, Stage.SHORTLIST).missing)

    client.post(reverse("awards:results_consensus", args=[ref, bids[1].pk, criteria(scoring)[0].pk]),
                {"note": "Agreed after reading annex B", "score": "2"})
    page = client.get(reverse("awards:results", args=[ref])).content.decode()
    assert "Agreed after reading annex B" in page and "Needs a consensus note" not in page

    client.post(reverse("awards:results_shortlist", args=[ref, bids[0].pk]),
                {"decision": "shortlisted", "reason": "Ranked first"})
    assert Bid.objects.get(pk=bids[0].pk).status == Bid.Status.SHORTLISTED
    assert not [m for m in missing_for(scoring, Stage.SHORTLIST).missing
                if "spread" in m or "knockout" in m or "submitted" in m]


def test_shortlist_refuses_without_a_reason(scoring, client, lead):
    client.force_login(lead)
    bid = scoring.bids.first()
    response = client.post(reverse("awards:results_shortlist", args=[scoring.reference, bid.pk]),
                           {"decision": "shortlisted", "reason": ""})
    assert response.status_code == 400 and "error-summary" in response.content.decode()
    assert Bid.objects.get(pk=bid.pk).status == Bid.Status.SUBMITTED


def test_scores_of_an_evaluator_recused_after_scoring_no_longer_count():
    from awards.models import ConflictDeclaration
    from procurement.audit.history import attribute

    procedure = build_scored_procedure(bids=2, criteria=2, evaluators=2, flagged=False)
    before = results.procedure_results(procedure)
    declaration = ConflictDeclaration.objects.filter(assignment__procedure=procedure).order_by("pk").first()
    bid_key = str(declaration.bid_id)
    counts_before = [s.count for s in before.result.spreads if s.bid == bid_key]

    attribute(declaration, actor=procedure.lead, reason="Recused after a late disclosure")
    declaration.review = ConflictDeclaration.Review.RECUSED
    declaration.save()
    after = results.procedure_results(procedure)

    counts_after = [s.count for s in after.result.spreads if s.bid == bid_key]
    assert counts_before == [2, 2]
    assert counts_after == [1, 1]
