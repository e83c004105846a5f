"""Contract services: opening, the kickoff rule, tier clauses, RACI, concessions, feedback, checklist."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import get_perms

from contracts import services
from contracts.models import ChecklistItem, ClausePosition, Contract, Kickoff, PlaybookClause
from contracts.policies import contract_policy
from procurement.audit.history import baton_models, is_tracked
from procurement.exceptions import InvalidTransition
from tests.factories.contracts import approved_memo, held_kickoff, open_contract, write_exit_runbook
from tests.factories.memos import memo_for_award
from tests.factories.vendors import RiskFactory
from vendors.models import Risk, Tier

pytestmark = pytest.mark.django_db
S = ClausePosition.Status


def test_every_contracts_model_is_audit_trailed():
    models = [m for m in baton_models() if m._meta.app_label == "contracts"]
    assert len(models) >= 14
    assert all(is_tracked(m) for m in models)


def test_playbook_is_seeded_with_every_topic():
    keys = set(PlaybookClause.objects.values_list("key", flat=True))
    assert {"data-rights", "no-training", "ip-indemnity", "service-levels", "model-change", "ai-act-flow-down",
            "exit-assistance", "liability", "termination", "audit-attestations"} <= keys
    for clause in PlaybookClause.objects.all():
        assert clause.target and clause.fallback and clause.walk_away and clause.required_tiers


def test_open_from_memo_sets_reference_team_grants_and_history(lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    assert contract.reference.startswith("CT-") and contract.reference.endswith("-0001")
    assert contract.status == Contract.Status.NEGOTIATING
    assert contract.history.first().history_user == lead
    assert {"view_contract", "negotiate_contract"} <= set(get_perms(manager, contract))
    assert contract_policy.can_see(manager, contract)
    assert contract.kickoff.pk and contract.raci_activities.count() == 8 and contract.checklist.count() == 6
    assert all(item.owner == manager for item in contract.checklist.all())


@pytest.mark.parametrize("tier", [Tier.CRITICAL, Tier.HIGH, Tier.MEDIUM, Tier.LOW])
def test_every_clause_the_tier_requires_is_present_with_three_positions(tier, lead):
    contract = open_contract(lead=lead, tier=tier)
    required = {c.pk for c in PlaybookClause.objects.all() if tier in c.required_tiers}
    present = set(contract.clauses.values_list("playbook_clause_id", flat=True))
    assert required and present == required
    for p in contract.clauses.all():
        assert p.required and p.target and p.fallback and p.walk_away


def test_low_tier_needs_fewer_clauses_than_critical(lead):
    low = open_contract(lead=lead, tier=Tier.LOW)
    critical = open_contract(lead=lead, tier=Tier.CRITICAL)
    assert low.clauses.count() < critical.clauses.count() == PlaybookClause.objects.count()


def test_a_clause_cannot_lose_its_walk_away(contract, lead):
    position = contract.clauses.first()
    with pytest.raises(ValidationError):
        services.clause_position_update(actor=lead, position=position, walk_away="  ")


def test_only_a_lead_opens_contracts(manager):
    with pytest.raises(PermissionDenied):
        open_contract(lead=manager)


def test_memo_is_required_by_the_service_signature(lead):
    import inspect

    parameters = inspect.signature(services.contract_open).parameters
    assert "bid" not in parameters
    assert parameters["memo"].default is inspect.Parameter.empty
    with pytest.raises(TypeError):
        services.contract_open(actor=lead)  # the memo is a required keyword
    with pytest.raises(TypeError):
        services.contract_open(actor=lead, bid=approved_memo().recommended_bid)
    with pytest.raises(InvalidTransition, match="approved decision memo"):
        services.contract_open(actor=lead, memo=None)
    assert not Contract.objects.exists()


def test_known_risks_without_residual_risks_on_the_memo_are_empty(lead):
    memo = approved_memo()
    RiskFactory(vendor=memo.recommended_bid.vendor, title="Model retired early")
    contract = open_contract(lead=lead, memo=memo)
    assert "Model retired early" not in contract.kickoff.known_risks


# --- kickoff ------------------------------------------------------------------------------------------------
def test_kickoff_cannot_be_held_without_the_post_award_manager(contract, lead, manager):
    kickoff = contract.kickoff
    services.kickoff_update(actor=lead, kickoff=kickoff, meeting_date=timezone.localdate())
    services.kickoff_attendee_add(actor=lead, kickoff=kickoff, user=lead, role="negotiation_lead")
    with pytest.raises(InvalidTransition, match="post-award contract manager must be among"):
        services.kickoff_hold(actor=lead, kickoff=kickoff)
    kickoff.refresh_from_db()
    assert not kickoff.is_held
    services.kickoff_attendee_add(actor=lead, kickoff=kickoff, user=manager, role="post_award_manager")
    kickoff = services.kickoff_hold(actor=lead, kickoff=kickoff, minutes="Done")
    assert kickoff.is_held and kickoff.held_by == lead
    assert kickoff.history.first().history_change_reason == "Kickoff held"


def test_kickoff_cannot_be_held_when_no_manager_is_named(lead):
    contract = open_contract(lead=lead, manager=None)
    services.kickoff_update(actor=lead, kickoff=contract.kickoff, meeting_date=timezone.localdate())
    with pytest.raises(InvalidTransition, match="Name the post-award"):
        services.kickoff_hold(actor=lead, kickoff=contract.kickoff)


def test_signing_needs_the_kickoff_held(contract, lead, manager):
    with pytest.raises(InvalidTransition, match="kickoff"):
        services.contract_transition(actor=lead, contract=contract, status="signed", reason="Signed")
    held_kickoff(contract, lead=lead, manager=manager)
    contract = services.contract_transition(actor=lead, contract=contract, status="signed", reason="Signed")
    assert contract.status == "signed"


# --- RACI ---------------------------------------------------------------------------------------------------
def test_raci_requires_exactly_one_accountable(contract, lead):
    activity = contract.raci_activities.first()
    accountable = activity.assignments.get(code="A").party
    other = next(p for p in ("legal_counsel", "security_reviewer", "vendor") if p != accountable)
    with pytest.raises(ValidationError, match="exactly one Accountable"):
        services.raci_save(actor=lead, contract=contract, grid={activity.pk: {other: "A"}})
    with pytest.raises(ValidationError, match="it has none"):
        services.raci_save(actor=lead, contract=contract, grid={activity.pk: {accountable: "R"}})
    assert activity.assignments.get(party=accountable).code == "A"  # nothing half-saved
    changed = services.raci_save(actor=lead, contract=contract, grid={activity.pk: {accountable: "R", other: "A"}})
    assert changed == 2
    assert activity.assignments.get(code="A").party == other


def test_raci_rejects_unknown_letters(contract, lead):
    activity = contract.raci_activities.first()
    with pytest.raises(ValidationError, match="unknown letter"):
        services.raci_save(actor=lead, contract=contract, grid={activity.pk: {"vendor": "X"}})


def test_new_raci_activity_has_one_accountable(contract, lead):
    activity = services.raci_activity_add(actor=lead, contract=contract, name="Renew the contract",
                                          accountable="business_owner")
    assert [c.code for c in activity.assignments.all()] == ["A"]


# --- clauses, concessions, feedback ---------------------------------------------------------------------------
def _agreeable(contract, lead):
    position = contract.clauses.get(playbook_clause__key="model-change")
    return services.clause_set_status(actor=lead, position=position, status=S.PROPOSED, reason="Sent our draft")


def test_conceding_beyond_walk_away_needs_escalation_and_creates_a_risk(contract, lead, manager):
    position = _agreeable(contract, lead)
    with pytest.raises(InvalidTransition, match="escalated first"):
        services.clause_set_status(actor=lead, position=position, status=S.CONCEDED, beyond_walk_away=True,
                                   agreed_summary="30 days' notice only", reason="Vendor would not move")
    assert not Risk.objects.filter(vendor=contract.vendor).exists()
    position = services.clause_set_status(actor=lead, position=position, status=S.ESCALATED,
                                          reason="Below walk-away")
    position = services.clause_set_status(actor=lead, position=position, status=S.CONCEDED, beyond_walk_away=True,
                                          agreed_summary="30 days' notice only", reason="Board accepted")
    risk = Risk.objects.get(vendor=contract.vendor)
    assert position.risk == risk and position.beyond_walk_away and position.deviates
    assert risk.category == Risk.Category.MODEL_CHANGE and risk.owner == manager
    assert risk.context == contract.reference
    assert risk.history.first().history_user == lead


def test_conceding_within_walk_away_creates_no_risk(contract, lead):
    position = _agreeable(contract, lead)
    services.clause_set_status(actor=lead, position=position, status=S.CONCEDED, agreed_summary="90 days",
                               reason="Took the fallback")
    assert not Risk.objects.exists()


def test_team_members_cannot_concede_or_escalate(contract, lead, manager):
    position = _agreeable(contract, lead)
    with pytest.raises(PermissionDenied):
        services.clause_set_status(actor=manager, position=position, status=S.ESCALATED, reason="x")


def test_unresolved_feedback_blocks_agreement_unless_overridden(contract, lead, manager):
    position = _agreeable(contract, lead)
    feedback = services.feedback_add(actor=manager, position=position, topic="reporting",
                                     body="We need monthly model change reports.")
    with pytest.raises(InvalidTransition, match="unresolved feedback"):
        services.clause_set_status(actor=lead, position=position, status=S.AGREED, agreed_summary="180 days")
    position.refresh_from_db()
    assert position.status == S.PROPOSED
    agreed = services.clause_set_status(actor=lead, position=position, status=S.AGREED, agreed_summary="180 days",
                                        override_reason="Reporting handled in the SLA schedule")
    assert agreed.status == S.AGREED and agreed.feedback_override_reason
    feedback.refresh_from_db()
    assert not feedback.resolved


def test_resolved_feedback_lets_the_clause_be_agreed(contract, lead, manager):
    position = _agreeable(contract, lead)
    feedback = services.feedback_add(actor=manager, position=position, topic="feasibility", body="Can we test?")
    services.feedback_respond(actor=lead, feedback=feedback, response="Yes, a 30-day window.")
    agreed = services.clause_set_status(actor=lead, position=position, status=S.AGREED, agreed_summary="180 days")
    assert agreed.status == S.AGREED


def test_agreement_needs_a_summary(contract, lead):
    position = _agreeable(contract, lead)
    with pytest.raises(ValidationError):
        services.clause_set_status(actor=lead, position=position, status=S.AGREED)


# --- scenarios, issues, checklist -------------------------------------------------------------------------------
def test_scenario_without_contingency_is_flagged(contract, lead, manager):
    clause = contract.clauses.first()
    scenario = services.scenario_create(actor=manager, contract=contract, kind="model_change", likelihood=4,
                                        impact=4, clauses=[clause])
    assert scenario.lacks_contingency and list(scenario.clauses.all()) == [clause]
    scenario = services.scenario_update(actor=manager, scenario=scenario, contingency="Pin and give 180 days")
    assert not scenario.lacks_contingency


def test_scenario_cannot_link_another_contracts_clause(contract, lead):
    other = open_contract(lead=lead)
    with pytest.raises(ValidationError):
        services.scenario_create(actor=lead, contract=contract, kind="insolvency", likelihood=1, impact=5,
                                 clauses=[other.clauses.first()])


def test_issue_concession_says_what_we_got(contract, lead, manager):
    issue = services.issue_create(actor=manager, contract=contract, title="Credits too low", priority="high")
    with pytest.raises(ValidationError):
        services.issue_resolve(actor=lead, issue=issue, resolution="Settled", conceded="Lower credits")
    issue = services.issue_resolve(actor=lead, issue=issue, resolution="Settled", conceded="Lower credits",
                                   in_return="Longer notice")
    assert issue.status == "resolved" and issue.in_return == "Longer notice"


def test_contract_cannot_become_active_until_the_checklist_is_settled(contract, lead, manager):
    held_kickoff(contract, lead=lead, manager=manager)
    services.contract_transition(actor=lead, contract=contract, status="signed", reason="Signed")
    with pytest.raises(InvalidTransition, match="transition checklist"):
        services.contract_transition(actor=lead, contract=contract, status="active", reason="Go")
    items = list(contract.checklist.all())
    for item in items[:-1]:
        services.checklist_item_update(actor=manager, item=item, done_on=timezone.localdate())
    with pytest.raises(InvalidTransition):
        services.contract_transition(actor=lead, contract=contract, status="active", reason="Go")
    with pytest.raises(ValidationError):
        services.checklist_item_waive(actor=lead, item=items[-1], reason=" ")
    services.checklist_item_waive(actor=lead, item=items[-1], reason="Exit runbook follows next quarter")
    write_exit_runbook(contract)  # activation also needs the exit runbook (issue 17, finding 19)
    contract = services.contract_transition(actor=lead, contract=contract, status="active", reason="Go")
    assert contract.status == "active"


def test_checklist_done_date_cannot_be_in_the_future(contract, manager):
    with pytest.raises(ValidationError):
        services.checklist_item_update(actor=manager, item=contract.checklist.first(),
                                       done_on=timezone.localdate() + datetime.timedelta(days=2))


# --- team and visibility --------------------------------------------------------------------------------------
def test_replacing_the_manager_moves_the_grants(contract, lead, manager, make_user):
    from procurement.accounts.roles import Role

    newcomer = make_user(Role.POST_AWARD_MANAGER)
    services.contract_update(actor=lead, contract=contract, post_award_manager=newcomer, reason="Reassigned")
    assert not contract_policy.can_see(manager, contract)
    assert contract_policy.can_see(newcomer, contract)


def test_strangers_and_other_managers_see_nothing(contract, lead, make_user, auditor):
    from procurement.accounts.roles import Role

    other_manager = make_user(Role.POST_AWARD_MANAGER)
    open_contract(lead=lead, manager=other_manager)
    assert not contract_policy.can_see(other_manager, contract)
    assert contract_policy.can_see(auditor, contract)
    assert contract_policy.can_see(lead, contract)
    with pytest.raises(Http404):
        services.feedback_add(actor=other_manager, position=contract.clauses.first(), topic="other", body="hi")


def test_auditor_changes_nothing(contract, auditor):
    with pytest.raises(PermissionDenied):
        services.issue_create(actor=auditor, contract=contract, title="x", priority="low")


def test_open_from_an_approved_memo_takes_bid_value_and_residual_risks(lead, manager):
    memo = approved_memo(author=lead)
    bid = memo.recommended_bid
    risk = RiskFactory(vendor=bid.vendor, title="Residual: latency at month end")
    RiskFactory(vendor=bid.vendor, title="Register-only risk")
    memo.residual_risks.add(risk)
    contract = services.contract_open(actor=lead, memo=memo, post_award_manager=manager)
    assert contract.memo == memo and contract.bid == bid and contract.vendor == bid.vendor
    assert contract.procedure == memo.procedure
    assert contract.value == 123456
    assert contract.history.first().history_change_reason == f"Opened from the approved memo of {memo.reference}"
    assert "Residual: latency at month end" in contract.kickoff.known_risks
    assert "Register-only risk" not in contract.kickoff.known_risks
    assert "No training" in contract.kickoff.walk_away_conditions
    from contracts.handoff import handoff_context

    assert handoff_context(contract)["audit"]["memo"]["content_hash"] == "ab" * 32


@pytest.mark.parametrize("status", ["draft", "in_approval", "rejected"])
def test_memos_that_are_not_approved_are_refused_and_nothing_is_written(lead, status):
    from procurement.models import ReferenceSequence

    memo = memo_for_award(status=status, author=lead)
    counters = list(ReferenceSequence.objects.values_list("prefix", "year", "last_number"))
    with pytest.raises(InvalidTransition, match="only from an approved decision memo") as refused:
        services.contract_open(actor=lead, memo=memo)
    assert memo.get_status_display().lower() in str(refused.value)
    assert not Contract.objects.exists()
    assert not Contract.history.exists()
    assert not Kickoff.objects.exists() and not ChecklistItem.objects.exists()
    assert list(ReferenceSequence.objects.values_list("prefix", "year", "last_number")) == counters


def test_an_approved_memo_opens_one_contract_only(lead):
    memo = approved_memo()
    contract = open_contract(lead=lead, memo=memo)
    assert contract.memo == memo
    with pytest.raises(InvalidTransition, match="already open"):
        open_contract(lead=lead, memo=memo)
    assert Contract.objects.count() == 1
