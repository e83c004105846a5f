"""The results engine's cache (awards.results): a warm cache gives exactly what a fresh computation gives, and
any change to an input of the engine — a reopened and rescored sheet, a consensus score, a knockout decision, a
recusal — gives a new fingerprint, so the page never shows a stale ranking."""

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache

from awards import results, services
from awards.models import AwardProcedureUserObjectPermission, ConflictDeclaration
from awards.models.scorecard import Knockout, ScoreSheet
from tests.factories.scorecards import build_scored_procedure, criteria_of

pytestmark = pytest.mark.django_db


def grant_evaluator(procedure, user) -> None:
    """The object permissions evaluator_assign gives (build_scored_procedure writes the assignment row only)."""
    for codename in ("view_awardprocedure", "evaluate_awardprocedure"):
        grant = AwardProcedureUserObjectPermission(
            content_object=procedure, user=user, permission=Permission.objects.get(codename=codename))
        grant._change_reason = "test: assigned as evaluator"
        grant.save()


def totals(data) -> dict[str, float | None]:
    return {b.key: b.total for b in list(data.result.ranking) + list(data.result.excluded)}


def fresh(procedure):
    cache.clear()
    return results.procedure_results(procedure)


@pytest.fixture
def procedure():
    cache.clear()
    return build_scored_procedure(bids=3, criteria=4, evaluators=2, flagged=False)


def test_a_warm_cache_gives_what_a_fresh_computation_gives(procedure, django_assert_max_num_queries):
    cold = results.procedure_results(procedure)

    warm = results.procedure_results(procedure)

    assert warm.cache_key == cold.cache_key
    assert totals(warm) == totals(cold) == totals(fresh(procedure))
    assert warm.monte_carlo.probabilities == cold.monte_carlo.probabilities
    assert warm.heatmap_svg() == cold.heatmap_svg()


def test_a_reopened_and_rescored_sheet_changes_the_result(procedure):
    before = results.procedure_results(procedure)
    sheet = ScoreSheet.objects.filter(scorecard__procedure=procedure).select_related("evaluator").first()
    bid = procedure.bids.order_by("pk").first()
    grant_evaluator(procedure, sheet.evaluator)

    services.scoresheet_reopen(actor=procedure.lead, sheet=sheet, reason="A score was typed in the wrong row")
    for criterion in criteria_of(procedure):
        services.score_save(actor=sheet.evaluator, bid=bid, criterion=criterion, value="5",
                            rationale="Corrected after the panel review")
    services.scoresheet_submit(actor=sheet.evaluator, procedure=procedure)
    after = results.procedure_results(procedure)

    assert after.cache_key != before.cache_key
    assert totals(after)[str(bid.pk)] > totals(before)[str(bid.pk)]
    assert totals(after) == totals(fresh(procedure))


def test_a_consensus_score_changes_the_result(procedure):
    before = results.procedure_results(procedure)
    bid, criterion = procedure.bids.order_by("pk").first(), criteria_of(procedure)[0]

    services.consensus_record(actor=procedure.lead, bid=bid, criterion=criterion, score="0",
                              note="The panel agreed the feature is not in the product yet.")
    after = results.procedure_results(procedure)

    assert after.cache_key != before.cache_key
    assert totals(after) == totals(fresh(procedure))


def test_a_failed_knockout_and_a_recusal_change_the_result(procedure):
    before = results.procedure_results(procedure)
    bid = procedure.bids.order_by("pk").last()
    knockout = Knockout.objects.get(scorecard__procedure=procedure)

    services.knockout_decide(actor=procedure.lead, knockout=knockout, bid=bid, passed=False,
                             reason="Processing outside the EU named in the proposal")
    knocked = results.procedure_results(procedure)
    declaration = ConflictDeclaration.objects.filter(bid=procedure.bids.order_by("pk").first()).first()
    declaration.review, declaration._change_reason = ConflictDeclaration.Review.RECUSED, "test: recused later"
    declaration.save()
    recused = results.procedure_results(procedure)

    assert len({before.cache_key, knocked.cache_key, recused.cache_key}) == 3
    assert str(bid.pk) in {b.key for b in knocked.result.excluded}
    assert totals(recused) == totals(fresh(procedure))
