"""The scorecard demo on top of the procedure demo: scores, knockouts, a resolved spread flag; safe to rerun."""

import io

import pytest

from awards import demo, results
from awards.models import AwardProcedure
from awards.models.scorecard import ScoreSheet
from procurement import demo as users_demo

pytestmark = pytest.mark.django_db


def test_demo_scores_excludes_one_bid_and_resolves_a_flag_once():
    out = io.StringIO()
    users = users_demo.seed(out)
    from vendors import demo as vendors_demo

    vendors_demo.seed(users=users, stdout=out)
    demo.seed(users=users, stdout=out)
    demo.seed(users=users, stdout=out)  # the second run changes nothing

    procedure = AwardProcedure.objects.get(title=demo.TITLE)
    data = results.procedure_results(procedure)
    assert ScoreSheet.objects.filter(scorecard=data.scorecard, submitted_at__isnull=False).count() == 3
    assert len(data.result.ranking) >= 2
    assert len(data.result.excluded) == 1 and data.result.excluded[0].exclusion_reason
    assert data.result.flags and not data.result.unresolved_flags
    assert any(d.overrides_proposal and d.reason for d in data.decisions.values())
    assert "Scorecard demo:" in out.getvalue()
