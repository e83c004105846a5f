"""The home page per role ("my work"): each person's own queue, with its count in the navigation computed in a
constant number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from awards import services
from awards.models.procedure import Stage
from procurement.accounts.roles import Role
from procurement.dashboard import work_count
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo
from tests.factories.timeline import age_timeline

pytestmark = pytest.mark.django_db


def _panels(response) -> dict:
    return {p["title"]: p for p in response.context["panels"]}


def _nav_count(response, label="My work"):
    return {item["label"]: item["count"] for item in response.context["nav_items"]}[label]


@pytest.fixture
def in_evaluation(rfp_issued, lead, submit_bid, make_user):
    for bid in rfp_issued.bids.order_by("pk"):
        submit_bid(bid, name=f"proposal-{bid.pk}.pdf")
    today = timezone.localdate()
    age_timeline(
        actor=lead, procedure=rfp_issued, rfp_issue_date=today - timedelta(days=30),
        question_deadline=today - timedelta(days=20), proposals_due=today - timedelta(days=1),
        demo_start=today + timedelta(days=5), demo_end=today + timedelta(days=9),
        target_award_date=today + timedelta(days=30))
    evaluator = make_user(Role.EVALUATOR)
    services.evaluator_assign(actor=lead, procedure=rfp_issued, evaluator=evaluator)
    procedure = services.procedure_advance(actor=lead, procedure=rfp_issued, target=Stage.EVALUATION,
                                           reason="Proposals closed")
    procedure.evaluator = evaluator
    return procedure


def test_evaluator_sees_declarations_and_scores_owed_with_the_deadline(client, in_evaluation,
                                                                        django_assert_max_num_queries):
    evaluator = in_evaluation.evaluator
    client.force_login(evaluator)

    with django_assert_max_num_queries(16):
        response = client.get("/")

    panels = _panels(response)
    assert panels["Conflict declarations you owe"]["count"] == 3
    assert [p.reference for p in panels["Scores to submit"]["items"]] == [in_evaluation.reference]
    html = response.content.decode()
    assert in_evaluation.target_award_date.strftime("%Y-%m-%d") in html
    assert _nav_count(response) == 3 + 1

    # declaring for one bid shrinks the queue
    services.conflict_declare(actor=evaluator, bid=in_evaluation.bids.order_by("pk").first(), has_conflict=False)
    assert work_count(evaluator) == 2 + 1


def test_lead_sees_procedures_by_stage_with_what_blocks_the_next(client, in_evaluation, procedure, lead,
                                                                django_assert_max_num_queries):
    # given two procedures the lead runs: `procedure` in draft... and `in_evaluation` (same lead) whose
    # shortlist is blocked: no score has been submitted yet
    client.force_login(lead)

    with django_assert_max_num_queries(60):
        response = client.get("/")

    panel = _panels(response)["Award procedures you run"]
    stages = {s["label"]: [p.reference for p in s["items"]] for s in panel["stages"]}
    assert stages["Evaluation"] == [in_evaluation.reference]
    blocked = next(p for p in panel["items"] if p.pk == in_evaluation.pk)
    assert blocked.next_stage_label == "Shortlist" and blocked.blockers
    html = response.content.decode()
    assert "blocks shortlist" in html and blocked.blockers[0].split("“")[0][:30] in html


@pytest.fixture
def two_waiting_memos(make_user):
    approver = make_user(Role.COMMITTEE_APPROVER)
    committee(PM, approver, quorum=1)
    committee(RC, quorum=2)
    committee(EC, quorum=2)
    memos = []
    for n in range(2):
        shortlist = shortlisted_procedure(value=Decimal("50000"),
                                          vendor_names=(f"Alpha{n} Models", f"Beta{n} Speech", f"Gamma{n} Cloud"))
        memos.append(services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist)))
    return approver, memos


def test_approver_sees_memos_waiting_oldest_first_and_auditor_sees_the_decisions(
        client, two_waiting_memos, auditor, django_assert_max_num_queries):
    approver, (older, newer) = two_waiting_memos
    client.force_login(approver)
    with django_assert_max_num_queries(14):
        response = client.get("/")
    waiting = _panels(response)["Decision memos waiting for your sign-off"]
    assert [route.memo.pk for route in waiting["items"]] == [older.pk, newer.pk]
    assert _nav_count(response) == 2

    services.signoff_record(actor=approver, memo=older, decision="approve", password=TEST_PASSWORD)
    assert work_count(approver) == 1

    client.force_login(auditor)
    response = client.get("/")
    recent = _panels(response)["Recent sign-off decisions"]
    assert [(s.signer, s.route.memo.pk) for s in recent["items"]] == [(approver, older.pk)]
    assert "Approve" in response.content.decode() or "Approved" in response.content.decode()


def test_the_navigation_count_costs_the_same_queries_for_one_item_or_many(in_evaluation):
    from tests.factories.awards import BidFactory

    evaluator = in_evaluation.evaluator
    work_count(evaluator)  # warm-up: the first call of a process also loads content types into their cache
    evaluator._baton_roles = None
    with CaptureQueriesContext(connection) as few:
        first = work_count(evaluator)
    for _ in range(4):  # four more bids to declare for
        BidFactory(procedure=in_evaluation)
    evaluator._baton_roles = None
    with CaptureQueriesContext(connection) as many:
        second = work_count(evaluator)
    assert second == first + 4
    assert len(many.captured_queries) == len(few.captured_queries) <= 4


def test_someone_without_a_role_has_nothing_to_do(client, stranger):
    client.force_login(stranger)
    response = client.get("/")
    assert response.context["panels"] == [] and not _nav_count(response)


def test_vendor_follow_ups_assigned_to_me_are_on_my_home_and_in_my_count(client, lead, make_user):
    from tests.factories.vendors import VendorFactory
    from vendors.models import VendorTask

    vendor = VendorFactory(owner=lead)
    due = timezone.localdate() + timedelta(days=7)
    task = VendorTask(vendor=vendor, kind=VendorTask.Kind.REASSESSMENT, title="Reassess the tier", assignee=lead,
                      due_on=due, opened_reason="test: cadence passed")
    task._change_reason = "test: opened"
    task.save()
    client.force_login(lead)

    response = client.get("/")

    panel = _panels(response)["Vendor follow-ups assigned to you"]
    assert [t.pk for t in panel["items"]] == [task.pk]
    assert due.strftime("%Y-%m-%d") in response.content.decode()
    assert _nav_count(response) == 1
    client.force_login(make_user(Role.PROCUREMENT_LEAD))  # another lead: not their follow-up
    assert "Vendor follow-ups assigned to you" not in _panels(client.get("/"))
