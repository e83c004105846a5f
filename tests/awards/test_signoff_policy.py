"""Who may sign a decision memo has one home, MemoPolicy "sign" (awards.policies): the service's refusal, the
home panel, the sign-off inbox and the "memo routed" notice all ask it. These tests pin the cases where the old
copies disagreed; in each, the stricter rule won:

- a recused evaluator was refused by the service but still saw the memo in their inbox and was told it was routed;
- an evaluator whose declared conflict with the recommended bid the lead *accepted* (they may score it) was
  allowed to sign the award to that very bid by the service and the inbox: a declared conflict now bars signing;
- a member whose committee already reached its quorum (while another committee on the route has not) saw the
  memo as waiting for them: their sign-off is not needed, so it is neither listed nor accepted;
- the requirements' business owner could "agree" (policy) after the RFP was issued, when the service refused.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from awards import services
from awards.dashboard import panels
from awards.models import ConflictDeclaration, SignOff
from awards.policies import memo_policy, procedure_policy, routes_to_sign
from procurement.accounts.roles import Role
from procurement.authz import require
from procurement.notifications.models import Notification
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.awards import RequirementFactory
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo

pytestmark = pytest.mark.django_db

WAITING = "Decision memos waiting for your sign-off"


def sign(person, memo, decision="approve"):
    return services.signoff_record(actor=person, memo=memo, decision=decision, comment="", password=TEST_PASSWORD)


def waiting_memo_ids(user) -> set:
    return set(routes_to_sign(user).values_list("memo_id", flat=True))


def told(user, memo) -> bool:
    return Notification.objects.filter(recipient=user, kind="memo_routed", target_id=str(memo.pk)).exists()


def test_a_recused_approver_is_not_asked_not_listed_and_cannot_sign(lead, business_owner, make_user):
    recused = make_user(Role.EVALUATOR, Role.COMMITTEE_APPROVER)
    other = make_user(Role.COMMITTEE_APPROVER)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"),
                                      recused_evaluator=recused)
    committee(PM, recused, other, quorum=1)

    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))

    assert memo_policy.refusal(recused, "sign", memo) == ("You were recused from the recommended bid, so you cannot "
                                                          "sign this memo.")
    assert memo.pk not in waiting_memo_ids(recused) and memo.pk in waiting_memo_ids(other)
    assert WAITING not in [p["title"] for p in panels(recused)]
    assert not told(recused, memo) and told(other, memo)
    with pytest.raises(PermissionDenied, match="recused"):
        require(recused, memo_policy, "sign", memo)  # the 403 carries the policy's sentence
    with pytest.raises(PermissionDenied, match="recused"):
        sign(recused, memo)
    assert not SignOff.objects.exists()


def test_an_accepted_conflict_with_the_recommended_bid_bars_signing(lead, business_owner, make_user):
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    conflicted = make_user(Role.EVALUATOR, Role.COMMITTEE_APPROVER)
    services.evaluator_assign(actor=lead, procedure=shortlist.procedure, evaluator=conflicted)
    services.conflict_declare(actor=conflicted, bid=shortlist.bids[0], has_conflict=True,
                              description="My brother works there")
    declaration = ConflictDeclaration.objects.get(assignment__evaluator=conflicted, bid=shortlist.bids[0])
    services.conflict_review(actor=lead, declaration=declaration, recuse=False, reason="Small, disclosed interest")
    committee(PM, conflicted, quorum=1)

    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))

    assert memo.recommended_bid_id == shortlist.bids[0].pk
    assert not memo_policy.can(conflicted, "sign", memo)
    assert "conflict of interest" in memo_policy.refusal(conflicted, "sign", memo)
    assert waiting_memo_ids(conflicted) == set() and WAITING not in [p["title"] for p in panels(conflicted)]
    assert not told(conflicted, memo)
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        sign(conflicted, memo)
    assert not SignOff.objects.exists()


def test_a_member_whose_committee_reached_quorum_is_no_longer_asked(lead, business_owner, make_user):
    pm1, pm2, rc1, rc2 = (make_user(Role.COMMITTEE_APPROVER) for _ in range(4))
    committee(PM, pm1, pm2, quorum=1)
    committee(RC, rc1, rc2, quorum=2)
    committee(EC, quorum=2)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("300000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    assert memo.pk in waiting_memo_ids(pm2)

    sign(pm1, memo)  # the procurement manager committee reaches its quorum of 1; the risk committee has not

    memo.refresh_from_db()
    assert memo.status == memo.Status.IN_APPROVAL
    assert memo_policy.refusal(pm2, "sign", memo) == ("Your committee has already reached its quorum on this "
                                                      "route; your sign-off is not needed.")
    assert memo.pk not in waiting_memo_ids(pm2) and memo.pk in waiting_memo_ids(rc1)
    assert memo_policy.refusal(pm1, "sign", memo) == "You have already signed this version."
    with pytest.raises(PermissionDenied, match="quorum"):
        sign(pm2, memo, decision="reject")
    memo.refresh_from_db()
    assert memo.status == memo.Status.IN_APPROVAL and SignOff.objects.count() == 1


def test_inactive_users_and_auditors_have_nothing_to_sign(lead, business_owner, make_user):
    leaver, auditor = make_user(Role.COMMITTEE_APPROVER), make_user(Role.COMMITTEE_APPROVER, Role.AUDITOR)
    committee(PM, leaver, auditor, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    leaver.is_active = False
    leaver._change_reason = "Left the company"
    leaver.save()

    assert not memo_policy.actionable(leaver, "sign").exists()
    assert memo_policy.refusal(leaver, "sign", memo) == "Your account is not active."
    assert not memo_policy.actionable(auditor, "sign").exists()
    assert memo_policy.actionable(auditor, "view").filter(pk=memo.pk).exists()
    assert memo_policy.refusal(auditor, "sign", memo) == "Auditors read every record and change nothing."


def test_requirements_are_agreed_only_while_they_may_change(procedure, lead, business_owner):
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Accuracy", priority="must")
    assert procedure_policy.can(business_owner, "agree_requirements", procedure)
    assert list(procedure_policy.actionable(business_owner, "agree_requirements")) == [procedure]

    services.requirement_agree(actor=business_owner, requirement=requirement)

    assert procedure_policy.refusal(business_owner, "agree_requirements", procedure) == (
        "Every requirement of this procedure is already agreed.")
    assert not procedure_policy.actionable(business_owner, "agree_requirements").exists()
    # After the RFP is issued a pending requirement can no longer be agreed (the service always refused; the
    # policy used to say yes while the procedure was open, and the page offered the button).
    RequirementFactory(procedure=procedure, code="R9", title="Latency")
    procedure.stage = procedure.Stage.RFP_ISSUED  # as rows: the stage machine is tested with the procedure
    procedure._change_reason = "test: RFP issued"
    procedure.save()
    assert procedure_policy.refusal(business_owner, "agree_requirements", procedure) == (
        "Requirements are agreed only while the procedure is in Draft or Requirements.")
    assert not procedure_policy.actionable(business_owner, "agree_requirements").exists()


def test_a_refusal_about_the_records_state_is_a_409_and_one_about_the_person_a_403(
        client, procedure, lead, business_owner, make_user):
    """A rule about who the person is answers 403; a rule about where the record stands (its stage, what is left
    to do) answers 409 like the state machine does, so the right person is never told they lack authority."""
    from django.urls import reverse

    from procurement.exceptions import DomainError

    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Accuracy", priority="must")
    services.requirement_agree(actor=business_owner, requirement=requirement)
    url = reverse("awards:requirements_agree_all", args=[procedure.reference])

    with pytest.raises(DomainError, match="already agreed"):
        require(business_owner, procedure_policy, "agree_requirements", procedure)
    client.force_login(business_owner)
    response = client.post(url)
    assert response.status_code == 409
    assert "already agreed" in response.content.decode()

    other_lead = make_user(Role.PROCUREMENT_LEAD)  # sees every procedure, owns none
    with pytest.raises(PermissionDenied, match="business owner"):
        require(other_lead, procedure_policy, "agree_requirements", procedure)
    client.force_login(other_lead)
    assert client.post(url).status_code == 403
