import io

import pytest

from awards import demo, prerequisites, selectors
from awards.models import AwardProcedure, ConflictDeclaration, ReferenceCheck
from awards.models.procedure import Stage
from procurement import demo as users_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    out = io.StringIO()
    users = users_demo.seed(out)
    from vendors import demo as vendors_demo

    vendors_demo.seed(users=users, stdout=out)
    return users


@pytest.fixture
def only_this_apps_checks(monkeypatch):
    """The procedure's own prerequisites only: later capabilities add theirs and a demo step with them."""
    own = {stage: [c for c in checks if c.__module__ == "awards.checks"]
           for stage, checks in prerequisites._REGISTRY.items()}
    monkeypatch.setattr(prerequisites, "_REGISTRY", own)


def test_demo_seeds_the_procedure_once(users, only_this_apps_checks):
    out = io.StringIO()

    demo.seed(users=users, stdout=out)
    demo.seed(users=users, stdout=out)

    procedure = AwardProcedure.objects.get(title=demo.TITLE)
    assert procedure.stage == Stage.EVALUATION and procedure.bids.count() == 4
    assert procedure.assignments.count() == 3
    assert ConflictDeclaration.objects.filter(review="recused").count() == 1
    assert procedure.questions.filter(published_at__isnull=False).exists()
    pov_bid = next(b for b in procedure.bids.all() if selectors.pov_outcome(b)["locked"])
    assert all(r["met"] is not None for r in selectors.pov_outcome(pov_bid)["results"])
    assert set(ReferenceCheck.objects.values_list("source", flat=True)) == {"vendor_supplied", "independent"}
    assert "already present" in out.getvalue()


def test_demo_stops_politely_when_a_prerequisite_is_not_met(users, only_this_apps_checks):
    def never(procedure):
        return ["Something the demo does not provide."]

    prerequisites.register(Stage.RFP_ISSUED)(never)
    out = io.StringIO()

    demo.seed(users=users, stdout=out)

    assert AwardProcedure.objects.get(title=demo.TITLE).stage == Stage.REQUIREMENTS
    assert "Something the demo does not provide." in out.getvalue()
