"""Procedure creation, timeline ordering and stage prerequisites (the registry mechanism)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from awards import services
from awards.models import AwardProcedure, Requirement
from awards.models.procedure import Stage
from awards.prerequisites import missing_for, register, unregister
from procurement.exceptions import InvalidTransition
from tests.factories.scorecards import complete_scorecard

pytestmark = pytest.mark.django_db


def test_create_issues_a_sequential_reference_and_records_history(procedure, lead):
    # given the procedure fixture, when a second one is created
    second = services.procedure_create(actor=lead, title="Coding assistant", need_statement="Faster reviews.",
                                       business_owner=procedure.business_owner, category="ai_saas",
                                       estimated_value=1000, currency="gbp", term_months=12)

    year = timezone.localdate().year
    assert procedure.reference == f"AP-{year}-0001" and second.reference == f"AP-{year}-0002"
    assert second.currency == "GBP" and second.stage == Stage.DRAFT and second.lead == lead
    record = second.history.get()
    assert record.history_user == lead and record.history_change_reason == "Procedure created"


def test_only_procurement_leads_create(business_owner, evaluator):
    with pytest.raises(PermissionDenied):
        services.procedure_create(actor=evaluator, title="x", need_statement="y", business_owner=business_owner,
                                  category="ai_saas", estimated_value=1, currency="EUR", term_months=1)
    assert not AwardProcedure.objects.exists()


def test_business_owner_must_hold_the_role(lead, stranger):
    with pytest.raises(ValidationError) as exc:
        services.procedure_create(actor=lead, title="x", need_statement="y", business_owner=stranger,
                                  category="ai_saas", estimated_value=1, currency="EUR", term_months=1)
    assert "business_owner" in exc.value.error_dict


def test_timeline_out_of_order_is_refused_next_to_the_field_and_nothing_saved(procedure, lead, future_timeline):
    bad = {**future_timeline, "proposals_due": future_timeline["question_deadline"]}  # must be strictly after
    bad["demo_end"] = future_timeline["demo_start"] - timedelta(days=1)

    with pytest.raises(ValidationError) as exc:
        services.procedure_set_timeline(actor=lead, procedure=procedure, **bad)

    errors = exc.value.message_dict
    assert set(errors) == {"proposals_due", "demo_end"}
    assert "after the question deadline" in errors["proposals_due"][0]
    assert "on or after the demo/pov window opens" in errors["demo_end"][0]
    procedure.refresh_from_db()
    assert procedure.proposals_due is None and procedure.history.count() == 1


def test_timeline_in_order_is_saved_with_history(procedure, lead, future_timeline):
    services.procedure_set_timeline(actor=lead, procedure=procedure, **future_timeline)

    procedure.refresh_from_db()
    assert procedure.timeline_complete
    assert procedure.history.first().history_change_reason == "Timeline set"


def test_rfp_issue_lists_exactly_what_is_missing(procedure, lead, make_vendor):
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Start")
    services.requirement_add(actor=lead, procedure=procedure, title="Tone of voice", priority="should")
    services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor())

    missing = missing_for(procedure, Stage.RFP_ISSUED).missing

    assert "At least one requirement must be a Must." in missing
    assert any("1 requirement not yet agreed" in item for item in missing)
    assert any("Invite at least 2 vendors (invited so far: 1)" in item for item in missing)
    assert any(item.startswith("Set the timeline: rfp issue date") for item in missing)
    with pytest.raises(InvalidTransition, match="Invite at least 2 vendors"):
        services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="Go")
    procedure.refresh_from_db()
    assert procedure.stage == Stage.REQUIREMENTS


def test_rfp_issue_with_agreed_requirements_two_vendors_and_timeline(procedure, lead, business_owner, make_vendor,
                                                                       future_timeline):
    services.procedure_set_timeline(actor=lead, procedure=procedure, **future_timeline)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Start")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Accuracy", priority="must")
    services.requirement_agree(actor=business_owner, requirement=requirement)
    services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor())
    services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor())
    complete_scorecard(procedure)

    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="Issued")

    procedure.refresh_from_db()
    assert procedure.stage == Stage.RFP_ISSUED
    assert procedure.history.first().history_change_reason == "Moved to RFP issued: Issued"


def test_single_source_justification_replaces_the_second_vendor(procedure, lead, business_owner, make_vendor,
                                                                  future_timeline):
    services.procedure_set_timeline(actor=lead, procedure=procedure, **future_timeline)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Start")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Accuracy", priority="must")
    services.requirement_agree(actor=business_owner, requirement=requirement)
    services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor())
    complete_scorecard(procedure)
    assert missing_for(procedure, Stage.RFP_ISSUED).missing

    procedure = services.procedure_update(
        actor=lead, procedure=procedure, single_source_justification="Only vendor certified for our telephony.")

    assert missing_for(procedure, Stage.RFP_ISSUED).ready


def test_editing_an_agreed_requirement_withdraws_the_agreement(procedure, lead, business_owner):
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Start")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Accuracy", priority="must")
    services.requirement_agree(actor=business_owner, requirement=requirement)

    services.requirement_update(actor=lead, requirement=requirement, title="Accuracy ≥ 90 %", priority="must")

    requirement.refresh_from_db()
    assert requirement.agreed_at is None
    assert requirement.history.first().history_change_reason == "Requirement edited; agreement withdrawn"


def test_only_the_business_owner_agrees_requirements(procedure, lead):
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Accuracy", priority="must")

    with pytest.raises(PermissionDenied):
        services.requirement_agree(actor=lead, requirement=requirement)
    assert Requirement.objects.get().agreed_at is None


def test_a_registered_check_blocks_the_stage_and_is_reported(procedure, lead):
    def scorecard_ready(proc):
        return ["The scorecard's weights do not add up to 100."]

    register(Stage.REQUIREMENTS)(scorecard_ready)
    try:
        assert "The scorecard's weights do not add up to 100." in missing_for(procedure, Stage.REQUIREMENTS).missing
        with pytest.raises(InvalidTransition, match="weights do not add up"):
            services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Go")
    finally:
        unregister(Stage.REQUIREMENTS, scorecard_ready)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Go")


def test_awarded_is_not_reachable_from_the_procedure_page(procedure, lead):
    with pytest.raises(InvalidTransition, match="decision memo is approved"):
        services.procedure_advance(actor=lead, procedure=procedure, target=Stage.AWARDED, reason="Go")


def test_skipping_a_stage_is_refused(procedure, lead):
    with pytest.raises(InvalidTransition, match="cannot move to Evaluation"):
        services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION, reason="Go")


def test_cancel_needs_a_reason_and_is_final(procedure, lead):
    with pytest.raises(ValidationError):
        services.procedure_cancel(actor=lead, procedure=procedure, reason="  ")
    services.procedure_cancel(actor=lead, procedure=procedure, reason="Budget withdrawn")

    procedure.refresh_from_db()
    assert procedure.stage == Stage.CANCELLED and procedure.cancel_reason == "Budget withdrawn"
    assert procedure.history.first().history_change_reason == "Cancelled: Budget withdrawn"
    with pytest.raises(InvalidTransition, match="final"):
        services.procedure_cancel(actor=lead, procedure=procedure, reason="Again")


def test_another_lead_sees_but_cannot_change_the_procedure(procedure, make_user):
    from procurement.accounts.roles import Role

    other_lead = make_user(Role.PROCUREMENT_LEAD)

    with pytest.raises(PermissionDenied):
        services.procedure_cancel(actor=other_lead, procedure=procedure, reason="Not mine")
