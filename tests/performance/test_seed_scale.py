"""seed_scale (tests.bench.seed_scale): the benchmark dataset, small enough for the fast leg (the real sizes run
in `make bench`)."""

import io

import pytest
from django.core.management import CommandError

from awards.models import AwardProcedure, Bid, EvaluatorAssignment
from awards.models.scorecard import Score, ScoreSheet
from procurement.accounts.models import User
from tests.bench.seed import LARGE_TITLE
from tests.bench.seed_scale import seed_scale_run
from vendors.models import TierAssessment, Vendor

pytestmark = pytest.mark.django_db(transaction=False)


def seed(**options) -> str:
    out = io.StringIO()
    seed_scale_run(stdout=out, seed=7, **options)
    return out.getvalue()


def test_population_rows_carry_their_history_and_the_named_users_share_the_work():
    seed(vendors=12, procedures=10, users=8, no_large=True)

    vendors = Vendor.objects.filter(legal_name__startswith="Bench ")
    assert vendors.count() == 12
    assert Vendor.history.filter(id__in=vendors.values("pk")).count() == 12
    assert TierAssessment.objects.filter(vendor__in=vendors).count() == 12
    procedures = AwardProcedure.objects.filter(title__startswith="Bench: ")
    assert procedures.count() == 10
    assert Bid.history.filter(procedure_id__in=procedures.values("pk")).count() == \
        Bid.objects.filter(procedure__in=procedures).count() > 0
    lead = User.objects.get(username="bench-lead")
    assert procedures.filter(lead=lead).exists()
    assert EvaluatorAssignment.objects.filter(evaluator__username="bench-evaluator-01").exists()
    assert User.objects.filter(username__startswith="user-").count() == 8


def test_bulk_rows_are_sealed_in_the_audit_chain_when_it_exists():
    chain = pytest.importorskip("procurement.audit.chain")
    seed(vendors=5, procedures=3, users=2, no_large=True)

    assert chain.verify_chains().intact


def test_running_again_tops_up_instead_of_duplicating():
    seed(vendors=6, procedures=4, users=3, no_large=True)

    seed(vendors=6, procedures=4, users=3, no_large=True)

    assert Vendor.objects.filter(legal_name__startswith="Bench ").count() == 6
    assert AwardProcedure.objects.filter(title__startswith="Bench: ").count() == 4


def test_the_large_procedure_goes_through_the_services_to_submitted_scores():
    output = seed(vendors=6, procedures=0, users=0, large_bids=4, large_criteria=12, large_evaluators=2)

    procedure = AwardProcedure.objects.get(title=LARGE_TITLE)
    assert procedure.stage == AwardProcedure.Stage.EVALUATION
    assert Score.objects.filter(bid__procedure=procedure).count() == 4 * 12 * 2
    assert Score.history.filter(bid_id__in=procedure.bids.values("pk")).count() == 4 * 12 * 2
    assert ScoreSheet.objects.filter(scorecard__procedure=procedure, submitted_at__isnull=False).count() == 2
    assert procedure.history.filter(history_change_reason__startswith="Moved to Evaluation").exists()
    assert procedure.reference in output


def test_impossible_sizes_are_refused():
    with pytest.raises(CommandError, match="large procedure"):
        seed(vendors=3, procedures=0, users=0)
