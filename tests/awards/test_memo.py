"""Decision memo (issue 7): submission freezes a version bound to its hash, routing by policy, sign-off rules,
immutability, and the award that follows approval."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from awards import services
from awards.models import ApprovalRoute, Bid, Debrief, DecisionMemo, MemoVersion, SignOff
from awards.models.memo import MemoImmutable
from awards.models.procedure import Stage
from procurement.accounts.roles import Role
from procurement.exceptions import InvalidTransition
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import EC, PM, RC, committee, complete_due_diligence, shortlisted_procedure, written_memo
from vendors.models import Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def shortlist(lead, business_owner):
    return shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))


@pytest.fixture
def panel(make_user):
    """Procurement manager (quorum 1) with two members; risk committee (quorum 2) with three."""
    people = {name: make_user(Role.COMMITTEE_APPROVER, first_name=name.title()) for name in
              ("pm1", "pm2", "rc1", "rc2", "rc3")}
    committee(PM, people["pm1"], people["pm2"], quorum=1)
    committee(RC, people["rc1"], people["rc2"], people["rc3"], quorum=2)
    committee(EC, quorum=2)
    return people


def sign(person, memo, decision="approve", comment="", password=TEST_PASSWORD):
    return services.signoff_record(actor=person, memo=memo, decision=decision, comment=comment, password=password)


def test_submit_freezes_content_and_scoring_and_routes_by_policy(shortlist, panel):
    memo = written_memo(shortlist)

    memo = services.memo_submit(actor=shortlist.lead, memo=memo)

    version = MemoVersion.objects.get(memo=memo)
    assert memo.status == DecisionMemo.Status.IN_APPROVAL and memo.version == 1
    assert memo.content_hash == version.content_hash and len(memo.content_hash) == 64
    assert version.scoring_snapshot["winner"] == str(shortlist.bids[0].pk)
    assert version.scoring_snapshot["ranking"][0]["total"] > version.scoring_snapshot["ranking"][1]["total"]
    assert "<svg" in version.scoring_snapshot["charts"]["heatmap"]
    assert version.content["recommended"]["vendor"] == str(shortlist.bids[0].vendor)
    route = ApprovalRoute.objects.get(memo=memo)
    assert route.rule_name == "Under 100k, low or medium tier" and route.status == "open"
    assert [s.committee.key for s in route.steps.all()] == [PM]
    assert memo.history.first().history_change_reason == "Submitted for approval (version 1)"


def test_a_high_tier_vendor_adds_the_risk_committee(lead, business_owner, panel):
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"),
                                      tier=Tier.LOW)
    vendor = shortlist.bids[0].vendor
    vendor.tier = Tier.HIGH
    vendor._change_reason = "Re-tiered"
    vendor.save()
    complete_due_diligence(shortlist.bids[0], lead)  # the high tier asks for more (issue 17: no waiver, no memo)
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))

    assert [s.committee.key for s in ApprovalRoute.objects.get(memo=memo).steps.all()] == [PM, RC]


def test_quorum_of_every_committee_approves_and_awards(lead, business_owner, panel, settings,
                                                       django_capture_on_commit_callbacks):
    settings.BATON_STANDSTILL_DAYS = 14
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("300000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))

    sign(panel["pm1"], memo)
    sign(panel["rc1"], memo)
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL  # risk committee has 1 of 2
    with django_capture_on_commit_callbacks(execute=True):
        sign(panel["rc2"], memo)

    memo.refresh_from_db()
    shortlist.procedure.refresh_from_db()
    assert memo.status == DecisionMemo.Status.APPROVED
    assert ApprovalRoute.objects.get(memo=memo).status == "approved"
    assert shortlist.procedure.stage == Stage.AWARDED
    statuses = {b.pk: b.status for b in Bid.objects.filter(procedure=shortlist.procedure)}
    assert statuses == {shortlist.bids[0].pk: "awarded", shortlist.bids[1].pk: "unsuccessful",
                        shortlist.bids[2].pk: "unsuccessful"}
    assert (memo.standstill_ends_on - memo.approved_at.date()).days == 14
    assert set(SignOff.objects.filter(route__memo=memo).values_list("content_hash", flat=True)) == {memo.content_hash}
    assert Debrief.objects.filter(memo=memo).count() == 2
    award = [m for m in mail.outbox if "awarded" in m.subject]
    # one message per person, through the notification outbox (issue 17, finding 16)
    assert all(len(m.to) == 1 for m in award) and [shortlist.lead.email] in [m.to for m in award]
    assert len(award) == len({m.to[0] for m in award}) >= 2
    # and the author hears of the decision once, through the notification kernel (issue 10)
    assert [m.subject for m in mail.outbox if m not in award] == [
        f"[Baton] Decision memo {shortlist.procedure.reference} was approved"]
    with pytest.raises(InvalidTransition):
        sign(panel["rc3"], memo)


def test_one_rejection_rejects(shortlist, panel):
    memo = services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))
    with pytest.raises(ValidationError, match="Say why"):
        sign(panel["pm1"], memo, decision="reject")

    sign(panel["pm1"], memo, decision="reject", comment="The do-nothing case is not costed.")

    memo.refresh_from_db()
    shortlist.procedure.refresh_from_db()
    assert memo.status == DecisionMemo.Status.REJECTED
    assert ApprovalRoute.objects.get(memo=memo).status == "rejected"
    assert shortlist.procedure.stage == Stage.SHORTLIST


def test_request_changes_returns_to_draft_and_resubmission_is_a_new_version(shortlist, panel):
    memo = services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))
    first_hash = memo.content_hash

    sign(panel["pm1"], memo, decision="request_changes", comment="Add the exit costs.")
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.DRAFT
    services.memo_update(actor=shortlist.lead, memo=memo, walk_away="Exit costs above 50k.")
    memo = services.memo_submit(actor=shortlist.lead, memo=memo)

    assert memo.version == 2 and memo.content_hash != first_hash
    assert list(ApprovalRoute.objects.filter(memo=memo).values_list("status", flat=True)) == ["open", "returned"]


def test_the_author_cannot_sign_even_as_a_member(shortlist, panel):
    shortlist.lead.groups.add(*panel["pm1"].groups.all())
    committee(PM, shortlist.lead)
    memo = services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))

    with pytest.raises(PermissionDenied, match="You wrote this memo"):
        sign(shortlist.lead, memo)
    assert not SignOff.objects.exists()


def test_a_recused_evaluator_cannot_sign(lead, business_owner, make_user):
    recused = make_user(Role.EVALUATOR, Role.COMMITTEE_APPROVER)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"),
                                      recused_evaluator=recused)
    committee(PM, recused, quorum=1)
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))

    with pytest.raises(PermissionDenied, match="recused"):
        sign(recused, memo)
    assert not SignOff.objects.exists()


def test_a_wrong_password_records_nothing(shortlist, panel):
    memo = services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))

    with pytest.raises(ValidationError) as caught:
        sign(panel["pm1"], memo, password="not-my-password")

    assert "password" in caught.value.error_dict
    assert not SignOff.objects.exists()
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL


def test_non_members_cannot_sign(shortlist, panel, make_user):
    memo = services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))
    outsider = make_user(Role.COMMITTEE_APPROVER)
    with pytest.raises(Exception) as caught:
        sign(outsider, memo)
    assert caught.type.__name__ in ("Http404", "PermissionDenied")
    assert not SignOff.objects.exists()


def test_an_edit_after_submission_voids_the_sign_offs(lead, business_owner, panel):
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("300000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    sign(panel["rc1"], memo)

    memo = services.memo_update(actor=lead, memo=memo, key_asks="Also a price cap.")

    assert memo.status == DecisionMemo.Status.DRAFT
    assert ApprovalRoute.objects.get(memo=memo).status == "void"
    memo = services.memo_submit(actor=lead, memo=memo)
    new_route = ApprovalRoute.objects.get(memo=memo, status="open")
    assert new_route.version.number == 2 and not new_route.signoffs.exists()
    # rc1's earlier approval does not count towards the new version's quorum
    sign(panel["pm1"], memo)
    sign(panel["rc2"], memo)
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL


def test_approved_memos_are_immutable(shortlist, panel):
    memo = services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))
    sign(panel["pm1"], memo)
    memo.refresh_from_db()
    assert memo.is_approved

    with pytest.raises(MemoImmutable):
        services.memo_update(actor=shortlist.lead, memo=memo, key_asks="Sneaky change")
    memo.title = "Changed behind the service"
    with pytest.raises(MemoImmutable):
        memo.save()
    with pytest.raises(MemoImmutable):
        DecisionMemo.objects.filter(pk=memo.pk).delete()
    version = MemoVersion.objects.get(memo=memo)
    version.content_hash = "0" * 64
    with pytest.raises(MemoImmutable):
        version.save()
    from django.contrib.admin.sites import site

    admin = site._registry[DecisionMemo]
    assert not admin.has_change_permission(None, memo) and not admin.has_delete_permission(None, memo)
    assert DecisionMemo.objects.get(pk=memo.pk).title != "Changed behind the service"


def test_not_ranked_first_needs_a_justification(shortlist, panel):
    memo = written_memo(shortlist, recommended_bid=shortlist.bids[1])
    with pytest.raises(InvalidTransition, match="write why"):
        services.memo_submit(actor=shortlist.lead, memo=memo)
    assert not MemoVersion.objects.exists()

    services.memo_update(actor=shortlist.lead, memo=memo, ranking_justification="Better data terms.")
    memo = services.memo_submit(actor=shortlist.lead, memo=memo)
    assert memo.status == DecisionMemo.Status.IN_APPROVAL


def test_dd_incomplete_blocks_whatever_the_setting_says(lead, business_owner, panel, settings):
    """Issue 17 (finding 9): incomplete due diligence is no longer a warning the setting may choose; it blocks
    unless a waiver is recorded (tests/awards/test_challenge_approval.py)."""
    from awards.services.memo import memo_preview

    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"),
                                      due_diligence=False)
    memo = written_memo(shortlist)
    _, snapshot, findings = memo_preview(memo)
    dd = [f for f in findings if f.code == "dd_incomplete"]
    assert dd and dd[0].blocking and snapshot["due_diligence"]["complete"] is False

    settings.BATON_MEMO_BLOCKING_CHECKS = []
    with pytest.raises(InvalidTransition, match="Due diligence"):
        services.memo_submit(actor=shortlist.lead, memo=memo)
    assert not MemoVersion.objects.exists()


def test_only_the_lead_writes_and_only_at_shortlist(shortlist, panel, make_user, procedure, lead):
    other_lead = make_user(Role.PROCUREMENT_LEAD)
    with pytest.raises(PermissionDenied):
        services.memo_create(actor=other_lead, procedure=shortlist.procedure)
    from procurement.exceptions import DomainError

    with pytest.raises(DomainError, match="shortlist"):
        services.memo_create(actor=lead, procedure=procedure)


def test_residual_risks_come_from_the_recommended_vendor(shortlist, panel):
    from tests.factories.vendors import RiskFactory

    memo = written_memo(shortlist)
    own = RiskFactory(vendor=shortlist.bids[0].vendor)
    other = RiskFactory(vendor=shortlist.bids[1].vendor)
    with pytest.raises(ValidationError):
        services.memo_update(actor=shortlist.lead, memo=memo, residual_risks=[other])

    memo = services.memo_update(actor=shortlist.lead, memo=memo, residual_risks=[own])
    from awards.services.memo import memo_preview

    content, _, findings = memo_preview(memo)
    assert content["residual_risks"][0]["acceptance"] == "a Procurement lead"
    assert any(f.code == "risk_not_accepted" for f in findings)


def test_one_open_route_per_memo_is_a_database_rule(shortlist, panel):
    from django.db import IntegrityError, transaction

    memo = services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))
    route = ApprovalRoute.objects.get(memo=memo)
    version = MemoVersion(memo=memo, number=9, content={}, scoring_snapshot={}, content_hash="x" * 64,
                          submitted_by=shortlist.lead, submitted_at=route.created_at)
    version.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRoute.objects.create(memo=memo, version=version, rule=route.rule, rule_name="again",
                                     rule_explanation="", contract_value=1, vendor_tier="low")


def test_a_rejected_memo_is_revised_into_a_new_version(shortlist, panel):
    memo = services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))
    sign(panel["pm1"], memo, decision="reject", comment="Not costed.")

    memo = services.memo_update(actor=shortlist.lead, memo=memo, do_nothing="Costed: 140k a year.")
    assert memo.status == DecisionMemo.Status.DRAFT
    memo = services.memo_submit(actor=shortlist.lead, memo=memo)
    sign(panel["pm2"], memo)

    memo.refresh_from_db()
    assert memo.is_approved and memo.version == 2
    assert memo.approved_version.content["do_nothing"] == "Costed: 140k a year."
    from awards.services.memo import approved_memo

    assert approved_memo(shortlist.procedure) == memo and memo.recommended_vendor == shortlist.bids[0].vendor


def test_the_memo_lists_the_clauses_the_vendors_tier_requires(shortlist, panel):
    from awards.services.memo import memo_content

    memo = written_memo(shortlist)
    titles = [c["title"] for c in memo_content(memo)["tier_clauses"]]
    from django.apps import apps

    expected = [c.title for c in apps.get_model("contracts", "PlaybookClause").objects.order_by("order", "title")
                if c.required_for(shortlist.bids[0].vendor.tier)]
    assert titles == expected and titles  # the low tier carries at least the clauses every tier needs


def test_an_approval_signs_a_checkpoint_of_the_audit_chains(lead, business_owner, panel,
                                                            django_capture_on_commit_callbacks):
    from procurement.audit import checkpoint

    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    assert checkpoint.checkpoint_names() == []

    with django_capture_on_commit_callbacks(execute=True):
        sign(panel["pm1"], memo)

    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.APPROVED
    names = checkpoint.checkpoint_names()
    assert len(names) == 1
    result = checkpoint.checkpoint_verify()
    assert result.intact, result.findings
    assert result.name == names[0]
    assert result.checkpoint.reason == f"Decision memo of {shortlist.procedure.reference} approved"
    assert f"awards.decisionmemo:{memo.pk}" in result.checkpoint.chains
