"""Templates and cloning (issue 21): versioned scorecard and set-up templates, retiring them, and starting a
procedure from a template or from an earlier procedure — all of it or nothing, never anything after set-up."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from awards import services
from awards import templates_defs as defs
from awards.models import AwardProcedure, Bid, ProcedureTemplate, Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, CriterionCoverage, Knockout, Scorecard, ScorecardTemplate
from awards.services import templates as tpl
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from tests.factories.awards import AwardProcedureFactory
from tests.factories.scorecards import complete_scorecard, template

pytestmark = pytest.mark.django_db


@pytest.fixture
def set_up(procedure, lead, future_timeline):
    """A draft procedure with a timeline, two requirements and a complete scorecard (musts covered)."""
    services.procedure_set_timeline(actor=lead, procedure=procedure, **future_timeline)
    services.requirement_add(actor=lead, procedure=procedure, title="Answers from our knowledge base",
                             priority=Requirement.Priority.MUST, description="From **our** articles.")
    services.requirement_add(actor=lead, procedure=procedure, title="Hands over to a human",
                             priority=Requirement.Priority.SHOULD)
    complete_scorecard(procedure)
    procedure.refresh_from_db()
    return procedure


def _history(row):
    return list(row.history.order_by("history_date", "history_id"))


# --- scorecard templates ------------------------------------------------------------------------------------


def test_saving_a_scorecard_creates_version_1_with_actor_and_reason(set_up, lead):
    # when
    saved = tpl.scorecard_template_save(actor=lead, scorecard=set_up.scorecard, name="Support bots", reason="")
    # then
    assert (saved.version, saved.active, saved.created_by, saved.slug) == (1, True, lead, "support-bots")
    assert [g["name"] for g in saved.definition["groups"]] == ["Quality", "Cost"]
    assert "covers" not in str(saved.definition)  # a stand-alone template links no requirements
    [row] = _history(saved)
    assert row.history_user == lead
    assert row.history_change_reason == f"Saved from the scorecard of {set_up.reference}"


def test_a_new_version_needs_a_reason_and_history_keeps_the_old_definition(set_up, lead, make_user):
    first = tpl.scorecard_template_save(actor=lead, scorecard=set_up.scorecard, name="Support bots", reason="")
    other_lead = make_user(Role.PROCUREMENT_LEAD)
    group = set_up.scorecard.groups.get(name="Cost")
    services.group_update(actor=lead, group=group, name="Cost and terms", weight=40)
    # a version without a reason is refused and writes nothing
    with pytest.raises(ValidationError) as refused:
        tpl.scorecard_template_save(actor=other_lead, scorecard=set_up.scorecard, name="Support bots",
                                    template=first, reason=" ")
    assert "reason" in refused.value.message_dict
    first.refresh_from_db()
    assert first.version == 1
    # when
    second = tpl.scorecard_template_save(actor=other_lead, scorecard=set_up.scorecard, name="Support bots",
                                         template=first, reason="Cost group covers the contract terms")
    # then
    assert (second.pk, second.version) == (first.pk, 2)
    assert second.definition["groups"][1]["name"] == "Cost and terms"
    old, new = _history(second)
    assert old.definition["groups"][1]["name"] == "Cost" and old.version == 1
    assert (new.history_user, new.version) == (other_lead, 2)
    assert new.history_change_reason == "Version 2: Cost group covers the contract terms"
    assert ScorecardTemplate.objects.filter(name="Support bots").count() == 1


def test_a_scorecard_whose_weights_do_not_add_up_is_not_saved(procedure, lead):
    scorecard = services.scorecard_create(actor=lead, procedure=procedure)
    group = services.group_add(actor=lead, scorecard=scorecard, name="Quality", weight=70)
    services.criterion_add(actor=lead, group=group, name="Accuracy")
    before = ScorecardTemplate.objects.count()
    with pytest.raises(ValidationError) as refused:
        tpl.scorecard_template_save(actor=lead, scorecard=scorecard, name="Half done", reason="")
    assert "add 30" in str(refused.value.message_dict["definition"])
    assert ScorecardTemplate.objects.count() == before


def test_only_leads_save_and_an_unseen_procedure_is_404(set_up, make_user):
    owner = make_user(Role.BUSINESS_OWNER)
    with pytest.raises(PermissionDenied):
        tpl.scorecard_template_save(actor=owner, scorecard=set_up.scorecard, name="Mine", reason="")
    evaluator = make_user(Role.EVALUATOR)
    with pytest.raises(PermissionDenied):
        tpl.procedure_template_save(actor=evaluator, procedure=set_up, name="Mine")
    assert not ScorecardTemplate.objects.filter(name="Mine").exists()


def test_retiring_keeps_the_template_with_the_reason_and_refuses_twice(lead, make_user):
    seeded = template()
    with pytest.raises(ValidationError):
        tpl.scorecard_template_retire(actor=lead, template=seeded, reason="")
    with pytest.raises(PermissionDenied):
        tpl.scorecard_template_retire(actor=make_user(Role.AUDITOR), template=seeded, reason="Old")
    # when
    retired = tpl.scorecard_template_retire(actor=lead, template=seeded, reason="Replaced by the 2027 edition")
    # then
    assert ScorecardTemplate.objects.filter(pk=seeded.pk, active=False).exists()
    last = retired.history.latest()
    assert (last.history_user, last.history_change_reason) == (lead, "Retired: Replaced by the 2027 edition")
    with pytest.raises(DomainError):
        tpl.scorecard_template_retire(actor=lead, template=retired, reason="Again")


def test_the_seeded_template_is_a_valid_definition():
    assert defs.scorecard_problems(template().definition) == []
    assert sum(defs.effective_weights(template().definition).values()) == 100


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["groups"][0].update(weight=29), "add 1"),
    (lambda d: d["groups"][0]["criteria"][0].update(key="support"), "used twice"),
    (lambda d: d["knockouts"][0].update(standards=[]), "needs at least one standard"),
    (lambda d: d["knockouts"][0].update(kind="vibes"), "the kind must be"),
    (lambda d: d.update(scale=11), "scale"),
    (lambda d: d["groups"][0]["criteria"][0].update(covers=["R1"]), "does not link requirements"),
])
def test_definition_problems_are_named(change, expected):
    import copy

    definition = copy.deepcopy(template().definition)
    change(definition)
    assert expected in " ".join(defs.scorecard_problems(definition))


# --- procedure set-up templates -------------------------------------------------------------------------------


def test_a_procedure_set_up_template_holds_details_offsets_requirements_and_the_scorecard(set_up, lead):
    saved = tpl.procedure_template_save(actor=lead, procedure=set_up, name="Support assistant")
    definition = saved.definition
    assert definition["procedure"]["category"] == "ai_saas" and definition["procedure"]["term_months"] == 24
    assert definition["timeline"] == {"question_deadline": 10, "proposals_due": 20, "demo_start": 25,
                                      "demo_end": 30, "target_award_date": 45}
    assert [r["priority"] for r in definition["requirements"]] == ["must", "should"]
    assert definition["scorecard"]["groups"][0]["criteria"][0]["covers"] == ["R1"]
    assert (saved.version, saved.source_reference, saved.created_by) == (1, set_up.reference, lead)
    second = tpl.procedure_template_save(actor=lead, procedure=set_up, name="Support assistant",
                                         template=saved, reason="Same again")
    assert second.version == 2 and second.history.latest().history_change_reason == "Version 2: Same again"


def test_a_retired_template_is_not_versioned_or_started_from(set_up, lead, business_owner):
    saved = tpl.procedure_template_save(actor=lead, procedure=set_up, name="Support assistant")
    tpl.procedure_template_retire(actor=lead, template=saved, reason="Superseded")
    saved.refresh_from_db()
    with pytest.raises(DomainError):
        tpl.procedure_template_save(actor=lead, procedure=set_up, name="X", template=saved, reason="More")
    with pytest.raises(DomainError):
        tpl.procedure_start(actor=lead, title="New", business_owner=business_owner, estimated_value=1,
                            source=saved)
    assert ProcedureTemplate.objects.get(pk=saved.pk).version == 1


# --- starting a procedure ---------------------------------------------------------------------------------------


def test_starting_from_a_set_up_template_builds_everything_with_offsets(set_up, lead, business_owner):
    saved = tpl.procedure_template_save(actor=lead, procedure=set_up, name="Support assistant")
    issue = date(2031, 3, 3)
    # when
    started = tpl.procedure_start(actor=lead, title="Assistant for HR", business_owner=business_owner,
                                  estimated_value=Decimal("90000"), rfp_issue_date=issue, source=saved)
    # then
    assert started.set_up_from == "Template “Support assistant” v1"
    assert (started.lead, started.stage, started.currency, started.category) == (lead, Stage.DRAFT, "EUR", "ai_saas")
    assert (started.rfp_issue_date, started.proposals_due, started.target_award_date) == (
        issue, issue + timedelta(days=20), issue + timedelta(days=45))
    requirements = list(started.requirements.order_by("pk"))
    assert [(r.code, r.title, r.agreed_at) for r in requirements] == [
        ("R1", "Answers from our knowledge base", None), ("R2", "Hands over to a human", None)]
    scorecard = Scorecard.objects.get(procedure=started)
    assert (scorecard.template_name, scorecard.template_version, scorecard.locked_at) == ("Support assistant", 1,
                                                                                           None)
    first = Criterion.objects.filter(scorecard=scorecard).order_by("group__position", "position").first()
    assert list(first.requirements.values_list("code", flat=True)) == ["R1"]
    last = started.history.latest()
    assert (last.history_user, last.history_change_reason) == (lead, "Set up from Template “Support assistant” v1")


def test_starting_from_a_scorecard_template_records_its_version(lead, business_owner):
    seeded = template()
    with pytest.raises(ValidationError) as refused:
        tpl.procedure_start(actor=lead, title="Chat", business_owner=business_owner, estimated_value=5,
                            source=seeded)
    assert {"category", "term_months", "need_statement", "currency"} <= set(refused.value.message_dict)
    started = tpl.procedure_start(actor=lead, title="Chat", business_owner=business_owner, estimated_value=5,
                                  source=seeded, category="ai_saas", term_months=12, currency="gbp",
                                  need_statement="A chat assistant.")
    scorecard = started.scorecard
    assert (scorecard.template_name, scorecard.template_version) == ("AI vendor selection", 1)
    assert started.currency == "GBP" and started.set_up_from == "Scorecard template “AI vendor selection” v1"
    assert scorecard.knockouts.count() == 3 and started.rfp_issue_date is None


def test_copying_takes_the_set_up_and_nothing_after_it(evaluation, lead, business_owner):
    """Procedure in evaluation: bids, evaluators, a locked scorecard. The copy has none of that."""
    source = evaluation
    assert source.bids.exists() and source.assignments.exists()
    started = tpl.procedure_start(actor=lead, title="Round two", business_owner=business_owner,
                                  estimated_value=Decimal("1"), rfp_issue_date=date(2031, 1, 6), source=source)
    assert started.set_up_from == f"Copied from {source.reference}"
    assert started.stage == Stage.DRAFT and not Bid.objects.filter(procedure=started).exists()
    assert not started.assignments.exists()
    assert started.scorecard.locked_at is None and not started.scorecard.sheets.exists()
    assert not started.requirements.filter(agreed_at__isnull=False).exists()
    assert started.requirements.count() == source.requirements.count()
    copied = defs.definition_of_scorecard(started.scorecard)
    assert copied == defs.definition_of_scorecard(source.scorecard)
    assert started.question_deadline - started.rfp_issue_date == source.question_deadline - source.rfp_issue_date


def test_a_source_the_person_cannot_see_is_404_and_one_they_see_but_may_not_use_403(make_user):
    hidden = AwardProcedureFactory()
    stranger = make_user(Role.BUSINESS_OWNER)
    before = AwardProcedure.objects.count()
    with pytest.raises(Http404):  # the stranger does not learn that the procedure exists
        tpl.procedure_start(actor=stranger, title="X", business_owner=stranger, estimated_value=1, source=hidden)
    with pytest.raises(PermissionDenied):  # its own business owner sees it but does not start procedures
        tpl.procedure_start(actor=hidden.business_owner, title="X", business_owner=hidden.business_owner,
                            estimated_value=1, source=hidden)
    manager = make_user(Role.POST_AWARD_MANAGER)
    with pytest.raises(Http404):  # templates are not read outside the roles of award procedures
        tpl.procedure_start(actor=manager, title="X", business_owner=manager, estimated_value=1, source=template())
    assert AwardProcedure.objects.count() == before


def test_all_or_nothing_when_a_step_fails(set_up, lead, business_owner):
    """The template's timeline is out of order: the procedure, its requirements and scorecard are all rolled
    back, and the reference counter too."""
    saved = tpl.procedure_template_save(actor=lead, procedure=set_up, name="Support assistant")
    broken = dict(saved.definition, timeline={"question_deadline": 10, "proposals_due": 5})
    saved.definition = broken
    saved.save()
    before = (AwardProcedure.objects.count(), Requirement.objects.count(), Scorecard.objects.count(),
              Knockout.objects.count(), CriterionCoverage.objects.count())
    with pytest.raises(ValidationError) as refused:
        tpl.procedure_start(actor=lead, title="Broken", business_owner=business_owner, estimated_value=1,
                            rfp_issue_date=date(2031, 1, 6), source=saved)
    assert "proposals_due" in refused.value.message_dict
    assert (AwardProcedure.objects.count(), Requirement.objects.count(), Scorecard.objects.count(),
            Knockout.objects.count(), CriterionCoverage.objects.count()) == before


def test_an_invalid_template_definition_is_refused_before_anything_is_written(lead, business_owner):
    bad = ScorecardTemplate.objects.create(slug="bad", name="Bad", definition={"scale": 5, "groups": [
        {"key": "a", "name": "A", "weight": 50, "criteria": [{"key": "c", "name": "C", "share": 1}]}]})
    before = AwardProcedure.objects.count()
    with pytest.raises(ValidationError) as refused:
        tpl.procedure_start(actor=lead, title="X", business_owner=business_owner, estimated_value=1, source=bad,
                            category="ai_saas", term_months=12, currency="EUR", need_statement="N")
    assert "add 50" in str(refused.value.message_dict["source"])
    assert AwardProcedure.objects.count() == before


def test_an_issue_date_whose_timeline_cannot_be_held_is_refused_at_the_field(set_up, lead, business_owner):
    before = AwardProcedure.objects.count()
    with pytest.raises(ValidationError) as refused:
        tpl.procedure_start(actor=lead, title="Far", business_owner=business_owner, estimated_value=1,
                            rfp_issue_date=date(9999, 12, 30), source=set_up)
    assert "rfp_issue_date" in refused.value.message_dict
    assert AwardProcedure.objects.count() == before
