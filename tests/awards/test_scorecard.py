"""Scorecard rules (issue 5): weights, traceability, template, lock-and-reset, blind scoring, reopening,
knockout proposals from evidence, consensus and the shortlist prerequisites."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from awards import results, services
from awards.models import Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, Knockout, KnockoutDecision, Score, Scorecard, ScoreSheet
from awards.prerequisites import missing_for
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from tests.factories.scorecards import complete_scorecard, criteria_of, declare_all, score_all, template
from tests.factories.vendors import AttestationFactory
from vendors.models import Attestation

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoring(evaluation):
    """In evaluation, both evaluators declared no conflict for every bid."""
    return declare_all(evaluation)


criteria = criteria_of


# --- weights, traceability, template -----------------------------------------------------------------------


def test_rfp_needs_weights_summing_to_100_covered_musts_and_knockouts(procedure, lead, business_owner):
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Start")
    must = services.requirement_add(actor=lead, procedure=procedure, title="Cites sources", priority="must")
    assert "Build the scorecard (criteria, weights and knockouts) before issuing the RFP." in missing_for(
        procedure, Stage.RFP_ISSUED).missing

    scorecard = services.scorecard_create(actor=lead, procedure=procedure)
    quality = services.group_add(actor=lead, scorecard=scorecard, name="Quality", weight=Decimal("57.5"))
    cost = services.group_add(actor=lead, scorecard=scorecard, name="Cost", weight=40)
    services.criterion_add(actor=lead, group=quality, name="Accuracy")
    services.criterion_add(actor=lead, group=cost, name="Price")
    missing = missing_for(procedure, Stage.RFP_ISSUED).missing

    assert "Scorecard: Group weights sum to 97.5; add 2.5." in missing
    assert f"Scorecard: no criterion assesses the must-requirement {must.code}." in missing
    assert "Scorecard: define the knockout criteria." in missing

    services.group_update(actor=lead, group=quality, name="Quality", weight=Decimal("61"))
    assert "Scorecard: Group weights sum to 101; remove 1." in missing_for(procedure, Stage.RFP_ISSUED).missing
    services.group_update(actor=lead, group=quality, name="Quality", weight=60)
    accuracy = Criterion.objects.get(scorecard=scorecard, name="Accuracy")
    services.criterion_update(actor=lead, criterion=accuracy, name="Accuracy", requirements=[must])
    services.knockout_add(actor=lead, scorecard=scorecard, name="No training on our data")

    assert not [m for m in missing_for(procedure, Stage.RFP_ISSUED).missing if m.startswith("Scorecard")]
    assert accuracy.history.first().history_change_reason == "Criterion edited"


def test_group_shares_split_exactly_to_100(procedure, lead):
    scorecard = services.scorecard_create(actor=lead, procedure=procedure)
    group = services.group_add(actor=lead, scorecard=scorecard, name="All", weight=100)
    for name in ("A", "B", "C"):
        services.criterion_add(actor=lead, group=group, name=name)

    weights, problems = results.effective_weights(list(scorecard.groups.all()), list(scorecard.criteria.all()))

    assert problems == []
    assert sorted(weights.values()) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert sum(weights.values()) == Decimal(100)


def test_template_builds_six_groups_with_knockouts_and_exact_weights(procedure, lead):
    scorecard = services.scorecard_create(actor=lead, procedure=procedure, template=template())

    groups = list(scorecard.groups.order_by("position"))
    assert [g.name for g in groups] == ["Capability and quality", "Security and privacy",
                                        "Responsible AI and compliance", "Commercial",
                                        "Vendor viability and support", "Exit and portability"]
    weights, problems = results.effective_weights(groups, list(scorecard.criteria.all()))
    assert problems == [] and sum(weights.values()) == Decimal(100)
    assert {k.kind for k in scorecard.knockouts.all()} == {"attestation", "manual", "pov"}
    assert all(c.guidance for c in scorecard.criteria.all())
    assert scorecard.history.first().history_change_reason == "Created from the template AI vendor selection"


def test_only_the_lead_edits_the_scorecard(procedure, lead, make_user):
    other_lead = make_user(Role.PROCUREMENT_LEAD)
    with pytest.raises(PermissionDenied):
        services.scorecard_create(actor=other_lead, procedure=procedure)
    with pytest.raises(Http404):
        services.scorecard_create(actor=make_user(Role.EVALUATOR), procedure=procedure)
    assert not Scorecard.objects.filter(procedure=procedure).exists()


# --- lock and reset ---------------------------------------------------------------------------------------


def test_first_score_locks_and_a_later_change_needs_a_reason_resets_and_tells_evaluators(
        scoring, lead, django_capture_on_commit_callbacks):
    first, second = scoring.evaluators
    scorecard = scoring.scorecard
    assert not scorecard.is_locked
    score_all(scoring, first, 3)
    score_all(scoring, second, 4)
    services.scoresheet_submit(actor=first, procedure=scoring)
    scorecard.refresh_from_db()
    assert scorecard.is_locked and scorecard.lock_reason == "Scoring started"

    accuracy, integration, _ = criteria(scoring)
    with pytest.raises(ValidationError) as exc:
        services.criterion_update(actor=lead, criterion=accuracy, name="Accuracy on our tickets", share=2)
    assert "give the reason" in str(exc.value)
    assert Score.objects.filter(criterion=accuracy).count() == 6  # unchanged

    with django_capture_on_commit_callbacks(execute=True):
        services.criterion_update(actor=lead, criterion=accuracy, name="Accuracy on our tickets", share=2,
                                  reason="Clarified: measured on our own tickets")

    assert Score.objects.filter(criterion=accuracy).count() == 0
    assert Score.objects.filter(criterion=integration).count() == 6  # unaffected criterion keeps its scores
    assert not ScoreSheet.objects.get(evaluator=first).is_submitted  # reopened: there is something to re-score
    deleted = Score.history.filter(criterion_id=accuracy.pk, history_type="-").first()
    assert deleted.history_change_reason == "Reset: Clarified: measured on our own tickets"
    # one message per evaluator, through the notification outbox (issue 17, finding 16)
    assert sorted(m.to for m in mail.outbox) == sorted([[first.email], [second.email]])
    assert all("Clarified: measured on our own tickets" in m.body for m in mail.outbox)


def test_weight_change_after_lock_keeps_scores(scoring, lead):
    first, _ = scoring.evaluators
    score_all(scoring, first, 3)
    group = scoring.scorecard.groups.order_by("position").first()
    with pytest.raises(ValidationError):
        services.group_update(actor=lead, group=group, name=group.name, weight=60)

    services.group_update(actor=lead, group=group, name=group.name, weight=60, reason="Rounded")

    assert Score.objects.filter(sheet__evaluator=first).count() == 9


# --- blind scoring and refusals -------------------------------------------------------------------------------


def test_evaluators_score_blind_until_they_submit(scoring):
    first, second = scoring.evaluators
    score_all(scoring, first, 2, rationale="First's secret view")
    services.scoresheet_submit(actor=first, procedure=scoring)
    score_all(scoring, second, 4)

    grid = results.scoring_grid(scoring, second)
    assert grid.others == {} and len(grid.mine) == 9

    services.scoresheet_submit(actor=second, procedure=scoring)
    grid = results.scoring_grid(scoring, second)
    seen = [s for cell in grid.others.values() for s in cell]
    assert len(seen) == 9 and {s.rationale for s in seen} == {"First's secret view"}


def test_drafts_of_others_stay_hidden_even_after_submitting(scoring):
    first, second = scoring.evaluators
    score_all(scoring, first, 2)  # draft, never submitted
    score_all(scoring, second, 4)
    services.scoresheet_submit(actor=second, procedure=scoring)

    assert results.scoring_grid(scoring, second).others == {}


@pytest.mark.parametrize("value, message", [
    ("6", "outside the scale"), ("-1", "outside the scale"), ("abc", "not a number"), ("2.25", "one decimal"),
])
def test_scores_off_the_scale_are_refused(scoring, value, message):
    first, _ = scoring.evaluators
    bid, criterion = scoring.bids.first(), criteria(scoring)[0]
    with pytest.raises(ValidationError, match=message):
        services.score_save(actor=first, bid=bid, criterion=criterion, value=value)
    assert not Score.objects.exists()


def test_extremes_need_a_rationale(scoring):
    first, _ = scoring.evaluators
    bid, criterion = scoring.bids.first(), criteria(scoring)[0]
    for value in ("0", "5"):
        with pytest.raises(ValidationError, match="rationale is required"):
            services.score_save(actor=first, bid=bid, criterion=criterion, value=value, rationale=" ")
    services.score_save(actor=first, bid=bid, criterion=criterion, value="5", rationale="Best answers we saw")
    services.score_save(actor=first, bid=bid, criterion=criterion, value="3.5")
    assert Score.objects.get().value == Decimal("3.5")


def test_unassigned_criteria_recused_and_undeclared_bids_are_refused(evaluation, lead, make_user):
    first, second = evaluation.evaluators
    bids = list(evaluation.bids.order_by("pk"))
    services.conflict_declare(actor=first, bid=bids[0], has_conflict=False)
    declaration = services.conflict_declare(actor=first, bid=bids[1], has_conflict=True, description="Ex-employee")
    accuracy, _, cost = criteria(evaluation)

    with pytest.raises(DomainError, match="awaits the lead's review"):
        services.score_save(actor=first, bid=bids[1], criterion=accuracy, value=3)
    services.conflict_review(actor=lead, declaration=declaration, recuse=True, reason="Too close")
    with pytest.raises(DomainError, match="recused"):
        services.score_save(actor=first, bid=bids[1], criterion=accuracy, value=3)
    with pytest.raises(DomainError, match="Declare any conflict"):
        services.score_save(actor=first, bid=bids[2], criterion=accuracy, value=3)

    # a third evaluator assigned to the Cost group only
    cost_only = make_user(Role.EVALUATOR)
    services.evaluator_assign(actor=lead, procedure=evaluation, evaluator=cost_only, groups=[cost.group])
    services.conflict_declare(actor=cost_only, bid=bids[0], has_conflict=False)
    with pytest.raises(DomainError, match="not among the criteria assigned to you"):
        services.score_save(actor=cost_only, bid=bids[0], criterion=accuracy, value=3)
    services.score_save(actor=cost_only, bid=bids[0], criterion=cost, value=3)

    # someone who is not an evaluator here, and an evaluator of another procedure
    with pytest.raises(DomainError):
        services.score_save(actor=lead, bid=bids[0], criterion=accuracy, value=3)
    with pytest.raises(Http404):
        services.score_save(actor=make_user(Role.EVALUATOR), bid=bids[0], criterion=accuracy, value=3)
    assert Score.objects.count() == 1


def test_submission_needs_every_cell_and_then_is_read_only(scoring, lead):
    first, _ = scoring.evaluators
    bid, criterion = scoring.bids.first(), criteria(scoring)[0]
    services.score_save(actor=first, bid=bid, criterion=criterion, value=3)
    with pytest.raises(DomainError, match="8 scores still missing"):
        services.scoresheet_submit(actor=first, procedure=scoring)
    score_all(scoring, first, 3)
    sheet = services.scoresheet_submit(actor=first, procedure=scoring)
    assert sheet.history.first().history_change_reason == "Scores submitted"

    with pytest.raises(DomainError, match="read-only"):
        services.score_save(actor=first, bid=bid, criterion=criterion, value=4)
    assert Score.objects.get(sheet=sheet, bid=bid, criterion=criterion).value == 3


def test_the_lead_reopens_a_sheet_with_a_reason(scoring, lead):
    first, second = scoring.evaluators
    score_all(scoring, first, 3)
    sheet = services.scoresheet_submit(actor=first, procedure=scoring)
    bid, criterion = scoring.bids.first(), criteria(scoring)[0]

    with pytest.raises(ValidationError):
        services.scoresheet_reopen(actor=lead, sheet=sheet, reason="")
    with pytest.raises(PermissionDenied):
        services.scoresheet_reopen(actor=second, sheet=sheet, reason="I want to")
    services.scoresheet_reopen(actor=lead, sheet=sheet, reason="Scored the wrong pricing annex")
    services.score_save(actor=first, bid=bid, criterion=criterion, value=4)

    sheet.refresh_from_db()
    assert not sheet.is_submitted and sheet.reopen_reason == "Scored the wrong pricing annex"
    assert sheet.history.filter(history_change_reason="Reopened: Scored the wrong pricing annex").exists()
    assert Score.objects.get(sheet=sheet, bid=bid, criterion=criterion).value == 4


# --- knockouts ------------------------------------------------------------------------------------------------


def _attestation_knockout(procedure, lead):
    scorecard = procedure.scorecard
    return Knockout.objects.create(scorecard=scorecard, key="certified", name="ISO 42001 or SOC 2 Type II",
                                   kind=Knockout.Kind.ATTESTATION, standards=["iso_42001", "soc2_type2"],
                                   horizon_months=12)


def test_knockout_proposal_comes_from_attestations_as_of_the_award_date(scoring, lead):
    knockout = _attestation_knockout(scoring, lead)
    award = scoring.target_award_date
    strong, short, none = list(scoring.bids.select_related("vendor").order_by("pk"))
    AttestationFactory(vendor=strong.vendor, standard=Attestation.Standard.SOC2_TYPE2,
                       issued_on=award - timedelta(days=100), expires_on=award + timedelta(days=400))
    AttestationFactory(vendor=short.vendor, standard=Attestation.Standard.ISO_42001,
                       issued_on=award - timedelta(days=100), expires_on=award + timedelta(days=200))
    AttestationFactory(vendor=none.vendor, standard=Attestation.Standard.ISO_27001,  # not an accepted standard
                       issued_on=award - timedelta(days=100), expires_on=award + timedelta(days=900))

    assert results.propose_knockout(knockout, strong, award)[0] is True
    proposed, basis = results.propose_knockout(knockout, short, award)
    assert proposed is False and "before" in basis and "+ 12 months" in basis
    assert results.propose_knockout(knockout, none, award) == (
        False, f"No ISO/IEC 42001 or SOC 2 Type II in force on the target award date ({award.day} "
               f"{award:%b %Y}).")

    decision = services.knockout_decide(actor=lead, knockout=knockout, bid=strong, passed=True)
    assert (decision.proposed, decision.passed, decision.overrides_proposal) == (True, True, False)
    with pytest.raises(ValidationError, match="reason for overriding"):
        services.knockout_decide(actor=lead, knockout=knockout, bid=short, passed=True)
    decision = services.knockout_decide(actor=lead, knockout=knockout, bid=short, passed=True,
                                        reason="Renewal audit booked; certificate letter on file")
    assert decision.overrides_proposal
    assert decision.history.first().history_change_reason.startswith("Passed: Renewal audit booked")


def test_manual_knockout_needs_the_leads_reason_and_evaluators_cannot_decide(scoring, lead):
    first, _ = scoring.evaluators
    knockout = scoring.scorecard.knockouts.get()
    bid = scoring.bids.first()
    with pytest.raises(ValidationError, match="no proposal"):
        services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=False)
    with pytest.raises(PermissionDenied):
        services.knockout_decide(actor=first, knockout=knockout, bid=bid, passed=False, reason="x")
    assert not KnockoutDecision.objects.exists()


def test_pov_knockout_follows_the_pov_results(scoring, lead):
    knockout = Knockout.objects.create(scorecard=scoring.scorecard, key="pov", name="POV met",
                                       kind=Knockout.Kind.POV)
    bid = scoring.bids.select_related("vendor").get(vendor_tier="high")
    assert results.propose_knockout(knockout, bid, None)[0] is None  # POV required, protocol not locked
    bid = type(bid).objects.select_related("vendor").get(pk=bid.pk)
    services.pov_criterion_add(actor=lead, bid=bid, metric="Accuracy", comparator="gte", threshold=Decimal("85"),
                               unit="%", test_set="Our tickets")
    services.pov_lock(actor=lead, bid=bid)
    bid = type(bid).objects.select_related("vendor").get(pk=bid.pk)
    services.pov_result_record(actor=lead, criterion=bid.pov.criteria.get(), value=Decimal("80"))
    bid = type(bid).objects.select_related("vendor").get(pk=bid.pk)
    assert results.propose_knockout(knockout, bid, None) == (False, "POV criteria not met: Accuracy.")


# --- results, consensus, shortlist -----------------------------------------------------------------------------


def test_results_rank_exclude_flag_and_consensus_resolves(scoring, lead):
    first, second = scoring.evaluators
    bids = list(scoring.bids.order_by("pk"))
    score_all(scoring, first, lambda b, c: 4 if b == 0 else 3)
    score_all(scoring, second, lambda b, c: 1 if (b == 1 and c == 0) else (4 if b == 0 else 3))
    knockout = scoring.scorecard.knockouts.get()
    data = results.procedure_results(scoring)
    assert data.result.provisional  # nothing submitted yet: no scores count

    services.scoresheet_submit(actor=first, procedure=scoring)
    services.scoresheet_submit(actor=second, procedure=scoring)
    for bid in bids:
        services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=bid != bids[2],
                                 reason="Contract redline checked")
    data = results.procedure_results(scoring)

    assert [b.key for b in data.result.ranking] == [str(bids[0].pk), str(bids[1].pk)]
    assert data.result.ranking[0].total == pytest.approx(80.0)
    excluded = data.result.excluded[0]
    assert excluded.key == str(bids[2].pk) and "No training on our data" in excluded.exclusion_reason
    flags = data.result.unresolved_flags
    assert [(f.bid, f.criterion) for f in flags] == [(str(bids[1].pk), criteria(scoring)[0].key)]
    assert data.verdict and data.monte_carlo.seed == scoring.scorecard.mc_seed
    assert any("spread flag" in m for m in missing_for(scoring, Stage.SHORTLIST).missing)

    services.consensus_record(actor=lead, bid=bids[1], criterion=criteria(scoring)[0],
                              note="Panel agreed the accuracy evidence is thin", score="2.5")
    data = results.procedure_results(scoring)
    assert data.result.unresolved_flags == ()
    assert data.result.bid(str(bids[1].pk)).score_sources[criteria(scoring)[0].key] == "consensus"
    assert not [m for m in missing_for(scoring, Stage.SHORTLIST).missing
                if "spread" in m or "knockout" in m or "submitted" in m]


def test_shortlist_waits_for_sheets_and_knockouts(scoring):
    missing = missing_for(scoring, Stage.SHORTLIST).missing
    assert "2 evaluators have not submitted scores." in missing
    assert "Confirm 3 knockout decisions." in missing


def test_consensus_needs_a_note_and_a_score_on_the_scale(scoring, lead):
    bid, criterion = scoring.bids.first(), criteria(scoring)[0]
    with pytest.raises(ValidationError, match="consensus note"):
        services.consensus_record(actor=lead, bid=bid, criterion=criterion, note=" ")
    with pytest.raises(ValidationError, match="outside the scale"):
        services.consensus_record(actor=lead, bid=bid, criterion=criterion, note="Agreed", score="9")


def test_scoring_needs_the_evaluation_stage(rfp_issued, lead):
    assert Requirement.objects.filter(procedure=rfp_issued).exists()
    complete_scorecard(rfp_issued)
    evaluator = rfp_issued.lead  # anyone: the stage check comes first for the assigned
    with pytest.raises(DomainError):
        services.score_save(actor=evaluator, bid=rfp_issued.bids.first(),
                            criterion=criteria(rfp_issued)[0], value=3)
    assert timezone.now()


def test_a_new_criterion_after_the_lock_reopens_submitted_sheets_and_tells_evaluators(
        scoring, lead, django_capture_on_commit_callbacks):
    first, second = scoring.evaluators
    score_all(scoring, first, 3)
    services.scoresheet_submit(actor=first, procedure=scoring)
    group = scoring.scorecard.groups.order_by("position").first()

    with pytest.raises(ValidationError):
        services.criterion_add(actor=lead, group=group, name="Explainability")
    with django_capture_on_commit_callbacks(execute=True):
        services.criterion_add(actor=lead, group=group, name="Explainability", reason="Board asked for it")

    assert not ScoreSheet.objects.get(evaluator=first).is_submitted
    assert Score.objects.filter(sheet__evaluator=first).count() == 9  # existing scores kept
    assert [m.to for m in mail.outbox] == [[first.email]]


def test_redefining_a_knockout_after_the_lock_drops_its_decisions(scoring, lead):
    first, _ = scoring.evaluators
    score_all(scoring, first, 3)  # locks
    knockout = scoring.scorecard.knockouts.get()
    bid = scoring.bids.first()
    services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=True, reason="Clause accepted")

    services.knockout_update(actor=lead, knockout=knockout, name="No training, no retention", reason="Tightened")

    assert not KnockoutDecision.objects.filter(knockout=knockout).exists()
    assert KnockoutDecision.history.filter(history_type="-").first().history_change_reason == \
        "Knockout redefined: Tightened"


def test_the_reopen_page_needs_a_reason(scoring, client, lead):
    from django.urls import reverse

    first, _ = scoring.evaluators
    score_all(scoring, first, 3)
    sheet = services.scoresheet_submit(actor=first, procedure=scoring)
    client.force_login(lead)
    url = reverse("awards:scorecard_sheet_reopen", args=[scoring.reference, sheet.pk])

    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "error-summary" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.is_submitted
    assert client.post(url, {"reason": "Wrong annex"}).status_code == 302
    sheet.refresh_from_db()
    assert not sheet.is_submitted
