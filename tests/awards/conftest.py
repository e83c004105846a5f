from datetime import timedelta

import pytest
from django.utils import timezone

from awards import services
from awards.models.procedure import Stage
from procurement.accounts.roles import Role
from tests.factories.memos import EC, PM, RC, committee
from tests.factories.timeline import age_timeline


@pytest.fixture
def evaluation(rfp_issued, lead, submit_bid, make_user):
    """Three on-time bids, proposals now closed, two evaluators assigned, in evaluation."""
    for bid in rfp_issued.bids.order_by("pk"):
        submit_bid(bid, name=f"proposal-{bid.pk}.pdf")
    today = timezone.localdate()
    age_timeline(
        actor=lead, procedure=rfp_issued, rfp_issue_date=today - timedelta(days=30),
        question_deadline=today - timedelta(days=20), proposals_due=today - timedelta(days=1),
        demo_start=today + timedelta(days=5), demo_end=today + timedelta(days=9),
        target_award_date=today + timedelta(days=30))
    first, second = make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    services.evaluator_assign(actor=lead, procedure=rfp_issued, evaluator=first)
    services.evaluator_assign(actor=lead, procedure=rfp_issued, evaluator=second)
    procedure = services.procedure_advance(actor=lead, procedure=rfp_issued, target=Stage.EVALUATION,
                                           reason="Proposals closed")
    procedure.evaluators = (first, second)
    return procedure


@pytest.fixture
def panel(make_user):
    """The smallest approval panel: a procurement manager seat (quorum 1) two people may fill; the risk and
    executive committees exist with nobody on them (so a route that needs them cannot be approved). Modules that
    need a larger panel define their own `panel`."""
    people = {name: make_user(Role.COMMITTEE_APPROVER, first_name=name.title()) for name in ("pm1", "pm2")}
    committee(PM, people["pm1"], people["pm2"], quorum=1)
    committee(RC, quorum=2)
    committee(EC, quorum=2)
    return people
