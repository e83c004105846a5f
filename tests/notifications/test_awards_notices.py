"""Award-procedure events notify the right people once per event, and respect their preferences."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from awards import services
from awards.models import ApprovalRoute, Bid
from awards.reminders import scoring_deadline_reminders
from procurement.accounts.roles import Role
from procurement.notifications import selectors
from procurement.notifications import services as notification_services
from procurement.notifications.models import Notification
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.awards import BidFactory
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(make_user):
    people = {name: make_user(Role.COMMITTEE_APPROVER) for name in ("pm1", "pm2")}
    committee(PM, people["pm1"], people["pm2"], quorum=1)
    committee(RC, quorum=2)
    committee(EC, quorum=2)
    return people


def _sign(person, memo, decision="approve", comment=""):
    return services.signoff_record(actor=person, memo=memo, decision=decision, comment=comment,
                                   password=TEST_PASSWORD)


def test_evaluator_assignment_notifies_the_evaluator_once(procedure, lead, make_user,
                                                          django_capture_on_commit_callbacks):
    evaluator = make_user(Role.EVALUATOR)
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
    # the emitting step run again (a retried task, a second call) tells nobody twice
    from awards import notices
    with django_capture_on_commit_callbacks(execute=True):
        notices.evaluator_assigned(assignment=assignment)

    rows = list(Notification.objects.filter(recipient=evaluator))
    assert [(n.kind, n.url) for n in rows] == [("evaluator_assigned", procedure.get_absolute_url())]
    assert [m.to for m in mail.outbox] == [[evaluator.email]]
    assert procedure.reference in mail.outbox[0].subject


def test_evaluator_with_email_off_sees_it_only_in_the_inbox(procedure, lead, make_user,
                                                            django_capture_on_commit_callbacks):
    evaluator = make_user(Role.EVALUATOR)
    notification_services.preferences_set(actor=evaluator,
                                          choices={"evaluator_assigned": {"in_app": True, "email": False}})
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
    assert mail.outbox == []
    assert [n.kind for n in selectors.inbox(evaluator)] == ["evaluator_assigned"]


def test_submission_routes_to_committee_members_once_and_not_to_the_author(
        lead, business_owner, panel, django_capture_on_commit_callbacks):
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    committee(PM, lead)  # the author sits on the committee too: they may not sign, so they are not asked
    with django_capture_on_commit_callbacks(execute=True):
        memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    route = ApprovalRoute.objects.get(memo=memo)
    from awards import notices
    with django_capture_on_commit_callbacks(execute=True):
        notices.memo_routed(route=route)  # again: nobody told twice

    routed = Notification.objects.filter(kind="memo_routed")
    assert sorted(n.recipient_id for n in routed) == sorted([panel["pm1"].pk, panel["pm2"].pk])
    assert {n.url for n in routed} == {memo.get_absolute_url()}
    assert sorted(m.to[0] for m in mail.outbox if "sign-off" in m.subject) == sorted(
        [panel["pm1"].email, panel["pm2"].email])


def test_approval_and_rejection_tell_the_author(lead, business_owner, panel, django_capture_on_commit_callbacks):
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    with django_capture_on_commit_callbacks(execute=True):
        _sign(panel["pm1"], memo, "reject", comment="The alternatives are thin.")
    decided = Notification.objects.get(kind="memo_decided")
    assert decided.recipient == lead and "rejected" in decided.subject

    # the author revises and resubmits; the new route's approval is a new event
    memo.refresh_from_db()
    memo = services.memo_update(actor=lead, memo=memo, recommendation="Revised after the committee's comment.")
    memo = services.memo_submit(actor=lead, memo=memo)
    with django_capture_on_commit_callbacks(execute=True):
        _sign(panel["pm2"], memo)
    subjects = sorted(n.subject for n in Notification.objects.filter(kind="memo_decided", recipient=lead))
    ref = shortlist.procedure.reference
    assert subjects == [f"Decision memo {ref} was approved", f"Decision memo {ref} was rejected"]


def test_scoring_deadline_job_reminds_once_per_deadline(procedure, lead, make_user, time_machine,
                                                        django_capture_on_commit_callbacks):
    # given a procedure in evaluation whose target award date is two days ahead, and one evaluator who owes scores
    from awards.models.procedure import Stage

    evaluator = make_user(Role.EVALUATOR)
    services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
    # one bid to score: who owes scores is the policy's `score` action, which needs a bid the evaluator may score
    BidFactory(procedure=procedure, status=Bid.Status.SUBMITTED, submitted_at=timezone.now())
    today = procedure.created_at.date()
    procedure.stage = Stage.EVALUATION
    procedure.target_award_date = today + timedelta(days=2)
    procedure._change_reason = "test: in evaluation"
    procedure.save()
    # when the job runs twice
    with django_capture_on_commit_callbacks(execute=True):
        first = scoring_deadline_reminders(today=today)
        second = scoring_deadline_reminders(today=today)
    # then one reminder
    assert (first, second) == (1, 0)
    reminder = Notification.objects.get(kind="scoring_deadline")
    assert reminder.recipient == evaluator and "in 2 days" in reminder.subject
    assert len([m for m in mail.outbox if "due" in m.subject]) == 1
    # a deadline further away is not due yet; a moved deadline is a new event
    assert scoring_deadline_reminders(today=today - timedelta(days=10)) == 0
    procedure.target_award_date = today + timedelta(days=3)
    procedure.save()
    assert scoring_deadline_reminders(today=today) == 1
