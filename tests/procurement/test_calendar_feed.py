"""The per-person calendar feed: RFC 5545 output of their own deadlines at a secret, revocable address."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from awards import services as award_services
from awards.models import Bid
from awards.models.procedure import Stage
from procurement.accounts.roles import Role
from procurement.icalendar import CalendarEvent, ics_fold, to_ics
from procurement.notifications import services
from tests.factories.awards import BidFactory

pytestmark = pytest.mark.django_db


def _feed(client, token):
    return client.get(reverse("calendar_feed", kwargs={"token": token}))


def test_ics_uses_crlf_and_folds_long_lines_at_75_octets():
    long = CalendarEvent(uid="x@baton", day=__import__("datetime").date(2026, 3, 2),
                         summary="Évaluation " * 20, description="a;b,c\nd")
    body = to_ics([long], name="Test").decode()
    lines = body.split("\r\n")
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # continuation lines
    assert "DESCRIPTION:a\\;b\\,c\\nd" in body.replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20260302" in body and "DTEND;VALUE=DATE:20260303" in body
    assert ics_fold("short") == "short"


def test_feed_lists_the_evaluators_scoring_deadline_and_nothing_of_others(
        client, procedure, lead, make_user, django_assert_max_num_queries):
    evaluator, outsider = make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    award_services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
    # one bid to score: who owes scores is the policy's `score` action, which needs a bid the evaluator may score
    BidFactory(procedure=procedure, status=Bid.Status.SUBMITTED, submitted_at=timezone.now())
    procedure.stage = Stage.EVALUATION
    procedure.target_award_date = procedure.created_at.date() + timedelta(days=5)
    procedure._change_reason = "test: in evaluation"
    procedure.save()
    token = services.calendar_feed_issue(actor=evaluator)
    outsider_token = services.calendar_feed_issue(actor=outsider)

    with django_assert_max_num_queries(8):
        response = _feed(client, token)

    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert f"SUMMARY:{procedure.reference}: submit your scores" in body
    assert procedure.target_award_date.strftime("%Y%m%d") in body
    assert procedure.reference not in _feed(client, outsider_token).content.decode()


def test_revoked_regenerated_unknown_tokens_and_inactive_users_get_404(client, make_user):
    me = make_user()
    first = services.calendar_feed_issue(actor=me)
    assert _feed(client, first).status_code == 200

    second = services.calendar_feed_issue(actor=me)  # regenerating retires the old address
    assert _feed(client, first).status_code == 404
    assert _feed(client, second).status_code == 200

    assert services.calendar_feed_revoke(actor=me) is True
    assert _feed(client, second).status_code == 404
    assert _feed(client, "not-a-token").status_code == 404

    third = services.calendar_feed_issue(actor=me)
    me.is_active = False
    me.save()
    assert _feed(client, third).status_code == 404


def test_revoking_from_the_preferences_page_is_audit_trailed(client, make_user):
    me = make_user()
    token = services.calendar_feed_issue(actor=me)
    client.force_login(me)
    client.post(reverse("notifications:calendar_token"), {"action": "revoke"})
    assert _feed(client, token).status_code == 404
    feed = me.calendar_feed
    assert feed.history.first().history_change_reason == "Calendar address revoked"
    assert feed.history.first().history_user == me


def test_post_award_manager_feed_has_notice_date_end_of_term_and_milestones(client, make_user):
    from tests.factories.contracts import active_contract, milestone

    lead, manager = make_user(Role.PROCUREMENT_LEAD), make_user(Role.POST_AWARD_MANAGER)
    contract = active_contract(lead=lead, manager=manager)
    pilot = milestone(contract, actor=lead, title="Pilot in two languages", days=30)
    token = services.calendar_feed_issue(actor=manager)

    body = _feed(client, token).content.decode().replace("\r\n ", "")  # unfold

    assert f"SUMMARY:{contract.reference}: last day to give notice" in body
    assert f"DTSTART;VALUE=DATE:{contract.notice_date:%Y%m%d}" in body
    assert f"SUMMARY:{contract.reference}: end of term" in body
    assert f"SUMMARY:{contract.reference}: milestone {pilot.title}" in body
    assert f"DTSTART;VALUE=DATE:{pilot.due_date:%Y%m%d}" in body
    assert body.count("BEGIN:VEVENT") == 3


def test_lead_and_business_owner_feeds_carry_proposals_due(client, rfp_issued, lead, business_owner):
    for person in (lead, business_owner):
        body = _feed(client, services.calendar_feed_issue(actor=person)).content.decode().replace("\r\n ", "")
        assert f"SUMMARY:{rfp_issued.reference}: proposals due" in body
        assert f"DTSTART;VALUE=DATE:{rfp_issued.proposals_due:%Y%m%d}" in body
        assert f"UID:awards.awardprocedure-{rfp_issued.pk}-proposals-due@baton" in body


def _uids(ics: str) -> dict[str, str]:
    """SUMMARY -> UID of each event of an unfolded calendar."""
    found, uid = {}, None
    for line in ics.replace("\r\n ", "").split("\r\n"):
        if line.startswith("UID:"):
            uid = line[4:]
        elif line.startswith("SUMMARY:"):
            found[line[8:]] = uid
    return found


def test_finding_14_a_milestone_keeps_its_uid_when_another_is_added_and_shares_it_with_the_pack(client, make_user):
    """Issue 17, finding 14: UIDs were numbered by list position, so adding a milestone gave an existing UID to a
    different event; now each UID names its record, in the personal feed and in the handoff pack alike."""
    from contracts import handoff
    from tests.factories.contracts import active_contract, milestone

    lead, manager = make_user(Role.PROCUREMENT_LEAD), make_user(Role.POST_AWARD_MANAGER)
    contract = active_contract(lead=lead, manager=manager)
    later = milestone(contract, actor=lead, title="Production rollout", days=60)
    pack_before = _uids(handoff.to_ics(handoff.handoff_context(contract)).decode())

    milestone(contract, actor=lead, title="Pilot in two languages", days=20)  # sorts before the first one
    pack_after = _uids(handoff.to_ics(handoff.handoff_context(contract)).decode())
    feed = _uids(_feed(client, services.calendar_feed_issue(actor=manager)).content.decode())

    rollout = f"{contract.reference}: {later.title}"
    assert pack_before[rollout] == pack_after[rollout] == f"contracts.milestone-{later.pk}@baton"
    assert feed[f"{contract.reference}: milestone {later.title}"] == pack_after[rollout]
    assert len(set(pack_after.values())) == len(pack_after)  # no two events share a UID
    notice = f"{contract.reference}: last day to give notice"
    assert feed[notice] == f"contracts.contract-{contract.pk}-notice@baton"
    assert any(summary.startswith(notice) and uid == feed[notice] for summary, uid in pack_after.items())
