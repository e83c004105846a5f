"""Conflicts of interest and recusal, and the demo/POV protocol lock."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from awards import selectors, services
from awards.models import ConflictDeclaration, PovCriterion
from awards.models.procedure import Stage
from awards.prerequisites import missing_for
from procurement.exceptions import DomainError
from tests.factories.timeline import age_timeline

pytestmark = pytest.mark.django_db


def test_an_evaluator_cannot_open_a_bid_before_declaring(evaluation):
    evaluator = evaluation.evaluators[0]
    bid = evaluation.bids.first()

    assert not selectors.evaluator_may_open(evaluator, bid)
    services.conflict_declare(actor=evaluator, bid=bid, has_conflict=False)
    assert selectors.evaluator_may_open(evaluator, bid)


def test_a_declared_conflict_must_be_described_and_blocks_until_reviewed(evaluation):
    evaluator = evaluation.evaluators[0]
    bid = evaluation.bids.first()

    with pytest.raises(ValidationError) as exc:
        services.conflict_declare(actor=evaluator, bid=bid, has_conflict=True, description=" ")
    assert "description" in exc.value.error_dict

    declaration = services.conflict_declare(actor=evaluator, bid=bid, has_conflict=True,
                                            description="My spouse works in their sales team.")
    assert declaration.review == ConflictDeclaration.Review.PENDING
    assert not selectors.evaluator_may_open(evaluator, bid)
    assert "Review 1 declared conflict of interest." in missing_for(evaluation, Stage.SHORTLIST).missing


def test_recusal_shuts_the_bid_and_is_recorded(client, evaluation, lead):
    evaluator = evaluation.evaluators[0]
    bid = evaluation.bids.first()
    declaration = services.conflict_declare(actor=evaluator, bid=bid, has_conflict=True,
                                            description="Former employee, left 2025.")

    declaration = services.conflict_review(actor=lead, declaration=declaration, recuse=True,
                                           reason="Too recent to be independent")

    assert declaration.review == ConflictDeclaration.Review.RECUSED and declaration.reviewed_by == lead
    assert declaration.history.first().history_change_reason == "Recused: Too recent to be independent"
    assert not selectors.evaluator_may_open(evaluator, bid)
    client.force_login(evaluator)
    assert client.get(bid.get_absolute_url()).status_code == 404
    register = list(selectors.coi_register(evaluation))
    assert [(d.assignment.evaluator, d.review) for d in register] == [(evaluator, "recused")]


def test_an_accepted_conflict_lets_the_evaluator_open_the_bid(evaluation, lead):
    evaluator = evaluation.evaluators[1]
    bid = evaluation.bids.first()
    declaration = services.conflict_declare(actor=evaluator, bid=bid, has_conflict=True,
                                            description="Attended their conference as a speaker.")

    services.conflict_review(actor=lead, declaration=declaration, recuse=False, reason="Not material")

    assert selectors.evaluator_may_open(evaluator, bid)


def test_only_assigned_evaluators_declare(evaluation, make_user):
    from procurement.accounts.roles import Role

    outsider = make_user(Role.EVALUATOR)
    from django.http import Http404

    with pytest.raises(Http404):
        services.conflict_declare(actor=outsider, bid=evaluation.bids.first(), has_conflict=False)
    assert not ConflictDeclaration.objects.exists()


def test_evaluator_assignment_grants_object_permission_on_this_procedure_only(evaluation, procedure_factory):
    evaluator = evaluation.evaluators[0]
    other = procedure_factory()

    assert evaluator.has_perm("awards.view_awardprocedure", evaluation)
    assert not evaluator.has_perm("awards.view_awardprocedure", other)
    assert not evaluator.has_perm("awards.view_awardprocedure")  # never a global grant


@pytest.fixture
def procedure_factory():
    from tests.factories.awards import AwardProcedureFactory

    return AwardProcedureFactory


# --- POV ------------------------------------------------------------------------------------------------------


def _add_criteria(lead, bid):
    services.pov_criterion_add(actor=lead, bid=bid, metric="Answer accuracy on our 200 tickets", comparator="gte",
                               threshold=Decimal("85"), unit="%", test_set="200 anonymised tickets from Q3")
    services.pov_criterion_add(actor=lead, bid=bid, metric="p95 latency", comparator="lte",
                               threshold=Decimal("2"), unit="s", test_set="Replay of one peak hour")


def test_pov_lock_pins_a_hash_and_refuses_later_changes(client, evaluation, lead):
    bid = evaluation.bids.first()
    _add_criteria(lead, bid)

    protocol = services.pov_lock(actor=lead, bid=bid)

    assert protocol.is_locked and len(protocol.content_hash) == 64
    assert protocol.content_hash == services.criteria_hash(protocol.criteria.all())
    criterion = protocol.criteria.first()
    with pytest.raises(DomainError, match="locked"):
        services.pov_criterion_update(actor=lead, criterion=criterion, metric=criterion.metric, comparator="gte",
                                      threshold=Decimal("50"), unit="%", test_set=criterion.test_set)
    with pytest.raises(DomainError, match="locked"):
        services.pov_criterion_add(actor=lead, bid=bid, metric="Cost", comparator="lte", threshold=1, unit="EUR",
                                   test_set="x")
    with pytest.raises(DomainError, match="locked"):
        services.pov_criterion_remove(actor=lead, criterion=criterion)

    client.force_login(lead)
    url = reverse("awards:pov_criterion_edit", args=[evaluation.reference, bid.pk, criterion.pk])
    response = client.post(url, {"metric": criterion.metric, "comparator": "gte", "threshold": "50", "unit": "%",
                                 "test_set": criterion.test_set})
    assert response.status_code == 409 and "locked" in response.content.decode()
    assert PovCriterion.objects.get(pk=criterion.pk).threshold == Decimal("85")
    assert PovCriterion.objects.count() == 2


def test_pov_cannot_be_locked_once_the_demo_window_opened(evaluation, lead):
    bid = evaluation.bids.first()
    _add_criteria(lead, bid)
    today = timezone.localdate()
    age_timeline(actor=lead, procedure=evaluation, demo_start=today,
                 demo_end=today + timedelta(days=2))

    with pytest.raises(DomainError, match="must be locked before"):
        services.pov_lock(actor=lead, bid=bid)


def test_results_only_after_the_lock_and_outcome_per_criterion(evaluation, lead):
    bid = evaluation.bids.first()
    _add_criteria(lead, bid)
    accuracy, latency = bid.pov.criteria.order_by("pk")
    with pytest.raises(DomainError, match="Lock the POV protocol"):
        services.pov_result_record(actor=lead, criterion=accuracy, value=Decimal("90"))
    assert selectors.pov_outcome(bid)["locked"] is False

    services.pov_lock(actor=lead, bid=bid)
    services.pov_result_record(actor=lead, criterion=accuracy, value=Decimal("88.5"))
    bid.refresh_from_db()
    assert selectors.pov_outcome(bid)["all_met"] is None  # one result still missing
    services.pov_result_record(actor=lead, criterion=latency, value=Decimal("2.4"), note="Peak hour replay")

    bid = type(bid).objects.get(pk=bid.pk)
    outcome = selectors.pov_outcome(bid)
    assert outcome["locked"] is True and outcome["all_met"] is False
    assert [r["met"] for r in outcome["results"]] == [True, False]
    assert outcome["content_hash"] == bid.pov.content_hash


def test_shortlist_needs_declarations_obligations_and_decisions(evaluation, lead):
    missing = missing_for(evaluation, Stage.SHORTLIST).missing

    for evaluator in evaluation.evaluators:
        assert f"{evaluator} has not declared conflicts of interest for 3 bids." in missing
    high = evaluation.bids.get(vendor_tier="high")
    assert f"{high.vendor}: lock the demo/POV protocol (the vendor's tier requires a POV)." in missing
    assert f"{high.vendor}: 0 of 2 reference checks done." in missing
    assert "Shortlist or knock out 3 bids still under evaluation." in missing


def test_reference_checks_count_against_the_tier(evaluation, lead):
    high = evaluation.bids.get(vendor_tier="high")
    today = timezone.localdate()
    services.reference_check_add(actor=lead, bid=high, source="vendor_supplied", organisation="Acme Insurance",
                                 checked_on=today, findings="Solid rollout.", rating=4)
    high = type(high).objects.get(pk=high.pk)
    assert not selectors.reference_status(high).met
    services.reference_check_add(actor=lead, bid=high, source="independent", organisation="Northwind Telecom",
                                 checked_on=today, findings="Latency issues in month 2.", rating=3)

    status = selectors.reference_status(type(high).objects.get(pk=high.pk))
    assert (status.total, status.independent, status.met) == (2, 1, True)
    with pytest.raises(ValidationError):
        services.reference_check_add(actor=lead, bid=high, source="independent", organisation="Future Ltd",
                                     checked_on=today + timedelta(days=1), findings="x", rating=3)
