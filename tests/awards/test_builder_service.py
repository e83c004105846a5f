"""The scorecard builder's one write (issue 21): awards.services.scorecard_builder.scorecard_build saves
requirements, scale, groups, criteria and knockouts together through the existing services, all or nothing, with
errors by row and field."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from awards import services
from awards.models import Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, CriterionGroup, Knockout, KnockoutDecision, Score, Scorecard
from awards.services.scorecard_builder import (
    ScorecardBuildInvalid,
    builder_totals,
    scorecard_build,
    scorecard_build_check,
)
from procurement.exceptions import DomainError
from tests.factories.scorecards import declare_all, score_all

pytestmark = pytest.mark.django_db


def _fresh_rows():
    requirements = [{"title": "Cites sources", "priority": "must", "description": ""},
                    {"title": "Hands over to a human", "priority": "should", "description": "Within 30 s"}]
    groups = [{"name": "Quality", "weight": "60"}, {"name": "Cost", "weight": "40"}]
    criteria = [
        {"group": 0, "name": "Accuracy", "description": "", "guidance": "0 none … 5 all", "share": "2",
         "requirements": [0]},
        {"group": 0, "name": "Hand-over", "description": "", "guidance": "", "share": "1", "requirements": [1]},
        {"group": 1, "name": "Total cost", "description": "", "guidance": "", "share": "1", "requirements": []},
    ]
    knockouts = [{"name": "No training on our data", "description": "", "kind": "manual"}]
    return requirements, groups, criteria, knockouts


def _rows_of(scorecard):
    """The saved scorecard as builder rows (ids kept), to send back with changes."""
    procedure = scorecard.procedure
    reqs = list(Requirement.objects.filter(procedure=procedure).order_by("pk"))
    groups = list(scorecard.groups.order_by("position", "pk"))
    requirements = [{"id": r.pk, "ref": f"r{r.pk}", "title": r.title, "priority": r.priority,
                     "description": r.description} for r in reqs]
    group_rows = [{"id": g.pk, "ref": f"g{g.pk}", "name": g.name, "weight": str(g.weight)} for g in groups]
    criteria = [{"id": c.pk, "group": f"g{c.group_id}", "name": c.name, "description": c.description,
                 "guidance": c.guidance, "share": str(c.share),
                 "requirements": [f"r{r.pk}" for r in c.requirements.all()]}
                for c in scorecard.criteria.order_by("group__position", "position", "pk")]
    knockouts = [{"id": k.pk, "name": k.name, "description": k.description, "kind": k.kind,
                  "standards": k.standards, "horizon_months": k.horizon_months}
                 for k in scorecard.knockouts.order_by("pk")]
    return {"requirements": requirements, "groups": group_rows, "criteria": criteria, "knockouts": knockouts}


def test_one_call_builds_requirements_groups_criteria_and_knockouts(procedure, lead):
    # given a draft procedure with no scorecard
    requirements, groups, criteria, knockouts = _fresh_rows()

    # when the lead saves the whole set-up at once
    scorecard = scorecard_build(actor=lead, procedure=procedure, requirements=requirements, scale="5",
                                groups=groups, criteria=criteria, knockouts=knockouts)

    # then everything exists, linked, with the lead in every history row
    assert scorecard.scale == 5
    assert list(Requirement.objects.filter(procedure=procedure).values_list("code", "title")) == [
        ("R1", "Cites sources"), ("R2", "Hands over to a human")]
    accuracy = Criterion.objects.get(scorecard=scorecard, name="Accuracy")
    assert accuracy.group.name == "Quality" and accuracy.share == 2
    assert [r.code for r in accuracy.requirements.all()] == ["R1"]
    assert Criterion.objects.get(name="Total cost").group.name == "Cost"
    assert scorecard.knockouts.get().name == "No training on our data"
    for row in (accuracy, scorecard.groups.first(), scorecard.knockouts.first(), scorecard):
        assert row.history.first().history_user == lead


def test_bad_rows_come_back_by_row_and_field_and_nothing_is_saved(procedure, lead):
    requirements, groups, criteria, knockouts = _fresh_rows()
    groups[1]["weight"] = "abc"
    criteria[2]["name"] = ""
    requirements[0]["priority"] = "nonsense"

    with pytest.raises(ScorecardBuildInvalid) as caught:
        scorecard_build(actor=lead, procedure=procedure, requirements=requirements, scale=5, groups=groups,
                        criteria=criteria, knockouts=knockouts)

    errors = caught.value.errors
    assert "priority" in errors["requirements"][0]
    assert errors["groups"][1]["weight"] == ["Enter a number."]
    assert "totals" in errors
    assert "group" in errors["criteria"][2]  # its group (Cost) did not save
    assert not Scorecard.objects.filter(procedure=procedure).exists()
    assert not Requirement.objects.filter(procedure=procedure).exists()
    assert not CriterionGroup.objects.exists()


def test_weights_not_adding_up_to_100_block_the_save(procedure, lead):
    requirements, groups, criteria, knockouts = _fresh_rows()
    groups[0]["weight"] = "57.5"

    errors = scorecard_build_check(actor=lead, procedure=procedure, requirements=requirements, scale=5,
                                   groups=groups, criteria=criteria, knockouts=knockouts)

    assert errors["totals"] == ["Group weights sum to 97.5; add 2.5."]
    assert not Scorecard.objects.filter(procedure=procedure).exists()


def test_the_check_reports_nothing_for_a_good_build_and_writes_nothing(procedure, lead):
    requirements, groups, criteria, knockouts = _fresh_rows()

    errors = scorecard_build_check(actor=lead, procedure=procedure, requirements=requirements, scale=5,
                                   groups=groups, criteria=criteria, knockouts=knockouts)

    assert errors == {}
    assert not Scorecard.objects.filter(procedure=procedure).exists()


def test_totals_split_group_weights_by_share():
    totals = builder_totals([{"name": "All", "weight": "100"}],
                            [{"group": 0, "share": "1"}, {"group": 0, "share": "1"}, {"group": 0, "share": "1"}])

    assert totals.group_sum == 100 and totals.problems == []
    assert sorted(totals.weights.values()) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_unchanged_rows_write_no_history_and_changes_go_through_the_services(procedure, lead):
    requirements, groups, criteria, knockouts = _fresh_rows()
    scorecard = scorecard_build(actor=lead, procedure=procedure, requirements=requirements, scale=5,
                                groups=groups, criteria=criteria, knockouts=knockouts)
    accuracy = Criterion.objects.get(name="Accuracy")
    versions = accuracy.history.count()
    rows = _rows_of(scorecard)

    # unchanged: no history written
    scorecard_build(actor=lead, procedure=procedure, scale=5, **rows)
    assert accuracy.history.count() == versions

    # a criterion moves to the other group and the weights shift
    rows["groups"][0]["weight"], rows["groups"][1]["weight"] = "50", "50"
    rows["criteria"][1]["group"] = rows["groups"][1]["ref"]
    scorecard_build(actor=lead, procedure=procedure, scale=5, **rows)

    handover = Criterion.objects.get(name="Hand-over")
    assert handover.group.name == "Cost"
    assert CriterionGroup.objects.get(name="Quality").weight == 50
    assert handover.history.first().history_change_reason == "Criterion edited"
    assert accuracy.history.count() == versions


def test_removing_a_criterion_or_knockout_before_the_lock_needs_a_reason_kept_in_history(procedure, lead):
    requirements, groups, criteria, knockouts = _fresh_rows()
    scorecard = scorecard_build(actor=lead, procedure=procedure, requirements=requirements, scale=5,
                                groups=groups, criteria=criteria, knockouts=knockouts)
    rows = _rows_of(scorecard)
    removed = rows["criteria"].pop(1)
    rows["knockouts"] = []

    with pytest.raises(ScorecardBuildInvalid) as caught:
        scorecard_build(actor=lead, procedure=procedure, scale=5, **rows)
    assert any("reason" in m for m in caught.value.errors["reason"])
    assert Criterion.objects.filter(pk=removed["id"]).exists()

    scorecard_build(actor=lead, procedure=procedure, scale=5, reason="Duplicate of accuracy", **rows)

    assert not Criterion.objects.filter(pk=removed["id"]).exists()
    gone = Criterion.history.filter(id=removed["id"]).order_by("-history_date").first()
    assert gone.history_type == "-" and gone.history_change_reason == "Duplicate of accuracy"
    assert gone.history_user == lead
    assert not Knockout.objects.filter(scorecard=scorecard).exists()
    assert Knockout.history.filter(history_type="-").get().history_change_reason == "Duplicate of accuracy"


def test_removing_a_group_with_its_criteria_and_adding_one_in_a_new_group(procedure, lead):
    requirements, groups, criteria, knockouts = _fresh_rows()
    scorecard = scorecard_build(actor=lead, procedure=procedure, requirements=requirements, scale=5,
                                groups=groups, criteria=criteria, knockouts=knockouts)
    rows = _rows_of(scorecard)
    rows["groups"] = [rows["groups"][0] | {"weight": "70"}, {"ref": "new", "name": "Price", "weight": "30"}]
    rows["criteria"] = rows["criteria"][:2] + [{"group": "new", "name": "Unit price", "share": "1"}]

    scorecard_build(actor=lead, procedure=procedure, scale=5, reason="Cost becomes price", **rows)

    assert list(scorecard.groups.values_list("name", flat=True)) == ["Quality", "Price"]
    assert Criterion.objects.get(name="Unit price").group.name == "Price"
    assert CriterionGroup.history.filter(name="Cost", history_type="-").get().history_change_reason == (
        "Cost becomes price")


def test_after_the_lock_changes_need_a_reason_and_a_changed_meaning_resets_scores(evaluation, lead):
    declare_all(evaluation)
    score_all(evaluation, evaluation.evaluators[0], 3)
    scorecard = Scorecard.objects.get(procedure=evaluation)
    assert scorecard.is_locked
    rows = _rows_of(scorecard)
    target = Criterion.objects.get(pk=rows["criteria"][0]["id"])
    assert Score.objects.filter(criterion=target).exists()
    rows["criteria"][0]["name"] = "Answer accuracy on our tickets"

    with pytest.raises(ScorecardBuildInvalid) as caught:
        scorecard_build(actor=lead, procedure=evaluation, scale=scorecard.scale, **rows)
    assert "locked" in caught.value.errors["reason"][0]

    scorecard_build(actor=lead, procedure=evaluation, scale=scorecard.scale, reason="Clarified", **rows)

    target.refresh_from_db()
    assert target.name == "Answer accuracy on our tickets"
    assert not Score.objects.filter(criterion=target).exists()
    assert target.history.first().history_change_reason == "Clarified"


def test_a_knockout_redefined_after_the_lock_drops_its_decisions(evaluation, lead):
    scorecard = Scorecard.objects.get(procedure=evaluation)
    services.scorecard_lock(actor=lead, scorecard=scorecard)
    knockout = scorecard.knockouts.first()
    bid = evaluation.bids.first()
    services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=True, reason="Contract says so")
    rows = _rows_of(scorecard)
    rows["knockouts"][0]["description"] = "Not for training, not for evaluation"

    scorecard_build(actor=lead, procedure=evaluation, scale=scorecard.scale, reason="Sharper wording", **rows)

    assert not KnockoutDecision.objects.filter(knockout=knockout).exists()


def test_only_the_lead_builds_and_only_while_the_scorecard_may_change(procedure, lead, make_user):
    from procurement.accounts.roles import Role

    other_lead = make_user(Role.PROCUREMENT_LEAD)
    requirements, groups, criteria, knockouts = _fresh_rows()
    with pytest.raises(PermissionDenied):
        scorecard_build(actor=other_lead, procedure=procedure, requirements=requirements, scale=5, groups=groups,
                        criteria=criteria, knockouts=knockouts)

    services.procedure_cancel(actor=lead, procedure=procedure, reason="Need withdrawn")
    with pytest.raises(DomainError):
        scorecard_build(actor=lead, procedure=procedure, requirements=requirements, scale=5, groups=groups,
                        criteria=criteria, knockouts=knockouts)
    procedure.refresh_from_db()
    assert procedure.stage == Stage.CANCELLED
    assert not Scorecard.objects.filter(procedure=procedure).exists()


@pytest.mark.parametrize(("section", "position", "field", "value"), [
    ("groups", 0, "weight", "NaN"),
    ("groups", 0, "weight", "1e400"),
    ("criteria", 0, "share", "-1"),
    ("criteria", 1, "group", "no-such-group"),
    ("criteria", 1, "requirements", ["no-such-requirement"]),
    ("knockouts", 0, "kind", "maybe"),
    ("knockouts", 0, "horizon_months", "soon"),
    ("criteria", 2, "id", "not-a-number"),
])
def test_bad_values_are_refused_at_their_row_and_nothing_is_written(procedure, lead, section, position, field,
                                                                    value):
    requirements, groups, criteria, knockouts = _fresh_rows()
    rows = {"requirements": requirements, "groups": groups, "criteria": criteria, "knockouts": knockouts}
    rows[section][position][field] = value

    with pytest.raises(ScorecardBuildInvalid) as caught:
        scorecard_build(actor=lead, procedure=procedure, scale=5, **rows)

    assert position in caught.value.errors[section]
    assert not Scorecard.objects.filter(procedure=procedure).exists()
    assert not Requirement.objects.filter(procedure=procedure).exists()
