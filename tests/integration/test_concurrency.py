"""Concurrency on PostgreSQL: threads with their own database connections, released together by a barrier.

- Two approvers completing the quorum at once approve the memo once: tests/integration/test_memo_concurrency.py.
- Two people saving the same decision memo from the same revision: one save wins, the other is refused with a
  conflict and writes nothing (optimistic concurrency checked under the row lock).
- Two evaluators saving and submitting their scores at the same moment: both sheets are saved, nothing lost.
"""

import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connections
from django.utils import timezone

from awards import services
from awards.models import Bid, DecisionMemo
from awards.models.memo import MemoEditConflict
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, Score, ScoreSheet
from procurement.accounts.models import User
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.memos import shortlisted_procedure, written_memo
from tests.factories.timeline import age_timeline
from tests.factories.vendors import VendorFactory
from tests.security.figures import record
from tests.security.world import _procedure, _to_rfp, pdf
from vendors.models import Tier

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls) -> list:
    """Run each call in its own thread (own connection), all released at once; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_people_saving_the_same_memo_revision_one_wins_the_other_gets_a_conflict():
    # given: a draft memo that the lead and an administrator both opened at the same revision
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    admin = UserFactory(is_superuser=True, is_staff=True)
    memo = written_memo(shortlisted_procedure(lead=lead, value=Decimal("50000")))
    read_at = memo.revision
    history_before = memo.history.count()
    texts = {lead.pk: "The lead's recommendation.", admin.pk: "The administrator's recommendation."}

    def save(person):
        return lambda: services.memo_update(actor=User.objects.get(pk=person.pk), memo=memo,
                                            expected_revision=read_at, recommendation=texts[person.pk])

    # when: both save at the same moment
    with mock.patch("procurement.documents.services.enqueue_render"):
        outcomes = race(save(lead), save(admin))
    record("concurrent writes raced", 2)

    # then: exactly one save went through; the other was refused as a conflict and wrote nothing
    saved = [o for o in outcomes if isinstance(o, DecisionMemo)]
    refused = [o for o in outcomes if isinstance(o, MemoEditConflict)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    stored = DecisionMemo.objects.get(pk=memo.pk)
    assert stored.revision == read_at + 1
    assert stored.recommendation == saved[0].recommendation
    assert refused[0].current_revision == read_at + 1
    assert memo.history.count() == history_before + 1
    record("concurrent writes raced/lost silently", 0)


def _in_evaluation(evaluators: list) -> tuple:
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    owner = UserFactory(roles=[Role.BUSINESS_OWNER])
    procedure = _procedure(lead, owner, "Evaluated in parallel")
    bids = _to_rfp(procedure, lead, owner, [VendorFactory(tier=Tier.LOW) for _ in range(2)])
    for bid in bids:
        services.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=pdf(f"p{bid.pk}.pdf"))
        services.bid_record_submission(actor=lead, bid=bid)
    today = timezone.localdate()
    age_timeline(actor=lead, procedure=procedure, rfp_issue_date=today - timedelta(days=30),
                 question_deadline=today - timedelta(days=20),
                 proposals_due=today - timedelta(days=1), demo_start=today + timedelta(days=5),
                 demo_end=today + timedelta(days=9), target_award_date=today + timedelta(days=30))
    for person in evaluators:
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=person)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION, reason="Proposals closed")
    for person in evaluators:
        for bid in bids:
            services.conflict_declare(actor=person, bid=bid, has_conflict=False)
    return procedure, list(Bid.objects.filter(procedure=procedure).order_by("pk"))


def test_two_evaluators_scoring_and_submitting_at_once_are_both_saved():
    # given: two evaluators, each with a full sheet to fill in, on a scorecard nobody has locked yet
    evaluators = [UserFactory(roles=[Role.EVALUATOR]) for _ in range(2)]
    procedure, bids = _in_evaluation(evaluators)
    criteria = list(Criterion.objects.filter(scorecard__procedure=procedure).order_by("pk"))
    values = {evaluators[0].pk: Decimal("4"), evaluators[1].pk: Decimal("2")}

    def score_and_submit(person):
        def run():
            actor = User.objects.get(pk=person.pk)
            for bid in bids:
                for criterion in criteria:
                    services.score_save(actor=actor, bid=bid, criterion=criterion, value=values[person.pk],
                                        rationale=f"Scored by {actor.username}")
            return services.scoresheet_submit(actor=actor, procedure=procedure)
        return run

    # when: both start at the same moment (the first score of each also tries to lock the scorecard)
    outcomes = race(*(score_and_submit(p) for p in evaluators))
    record("concurrent writes raced", 2)

    # then: both sheets are submitted with every score, each evaluator's own values
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    for person in evaluators:
        sheet = ScoreSheet.objects.get(scorecard__procedure=procedure, evaluator=person)
        scores = Score.objects.filter(sheet=sheet)
        assert sheet.submitted_at is not None
        assert scores.count() == len(bids) * len(criteria)
        assert set(scores.values_list("value", flat=True)) == {values[person.pk]}
    assert procedure.scorecard.__class__.objects.get(pk=procedure.scorecard.pk).locked_at is not None
    record("concurrent writes raced/lost silently", 0)
