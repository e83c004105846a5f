"""Setting a procedure up without friction (issue 21): several vendors at once, evaluators as people with their
criterion groups, changing and undoing an assignment with a reason, revising a declaration as a new version,
the awarded page leading on, the offered actions equal to what the services accept, pinned policy versions."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from awards import results, services
from awards.decision_record_xlsx import decision_record_tables
from awards.models import (
    AwardProcedure,
    AwardProcedureUserObjectPermission,
    Bid,
    ConflictDeclaration,
    Debrief,
    EvaluatorAssignment,
    Score,
    ScoreSheet,
)
from awards.models.procedure import Stage
from awards.policies import scoring_closed
from awards.prerequisites import missing_for
from awards.selectors.decision_record import decision_record
from awards.services.bids import bids_invite
from awards.services.evaluators import conflict_revise, evaluator_set_groups, evaluator_unassign, evaluators_assign
from awards.transitions import next_stage
from awards.views.procedure import stage_actions
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from procurement.people import PersonChoiceField, people_with_role
from tests.factories.awards import BidFactory
from tests.factories.memos import memo_for_award
from tests.factories.scorecards import criteria_of, declare_all, score_all

pytestmark = pytest.mark.django_db


def _history(obj, model=None):
    model = model or type(obj)
    return model.history.filter(id=obj.pk).order_by("history_date", "history_id")


# --- several vendors at once ---------------------------------------------------------------------------------


def test_several_vendors_are_invited_at_once_all_or_none(procedure, lead, make_vendor, client):
    # given three registry vendors, one of them already invited
    first, second, third = make_vendor(), make_vendor(), make_vendor()
    services.bid_invite(actor=lead, procedure=procedure, vendor=third)

    # when the lead invites all three, then nothing is saved and the refusal names the vendor
    with pytest.raises(ValidationError) as refused:
        bids_invite(actor=lead, procedure=procedure, vendors=[first, second, third])
    assert any(str(third) in message for message in refused.value.message_dict["vendor"])
    assert not Bid.objects.filter(procedure=procedure, vendor__in=[first, second]).exists()

    # when the lead ticks the two others on the page, then both are invited with the actor in their history
    client.force_login(lead)
    url = reverse("awards:bid_invite", args=[procedure.reference])
    page = client.get(url)
    assert page.status_code == 200
    assert str(first) in page.text and str(third) not in page.text  # the already invited vendor is not offered
    answer = client.post(url, {"vendor": [first.pk, second.pk]})
    assert answer.status_code == 302
    bids = Bid.objects.filter(procedure=procedure, vendor__in=[first, second])
    assert bids.count() == 2
    for bid in bids:
        created = _history(bid).first()
        assert created.history_user == lead and created.history_change_reason.startswith("Invited")

    # and bad input (an exited or unknown vendor) is refused next to the field, writing nothing
    answer = client.post(url, {"vendor": ["999999"]})
    assert answer.status_code == 400 and "vendor" in answer.context["form"].errors


# --- person pickers ------------------------------------------------------------------------------------------


def test_person_picker_labels_by_name_role_and_username_among_those_given(make_user,
                                                                          django_assert_max_num_queries):
    zed = make_user(Role.EVALUATOR, first_name="Zoe", last_name="Zed", username="zzed")
    abe = make_user(Role.EVALUATOR, Role.BUSINESS_OWNER, first_name="Abe", last_name="Able", username="aable")
    make_user(Role.EVALUATOR, first_name="Gone", last_name="Away", is_active=False)
    make_user(Role.AUDITOR, first_name="Not", last_name="Evaluator")

    field = PersonChoiceField(queryset=people_with_role(Role.EVALUATOR).exclude(pk=zed.pk))
    with django_assert_max_num_queries(2):  # the people and their roles
        choices = [label for value, label in field.choices if value != ""]
    assert choices == ["Abe Able — Business owner, Evaluator (aable)"]
    assert field.clean(str(abe.pk)) == abe
    with pytest.raises(ValidationError):
        field.clean(str(zed.pk))  # not offered, so not accepted


# --- evaluators: several at once, groups, unassigning ----------------------------------------------------------


def test_evaluators_by_group_then_groups_changed_then_unassigned_and_reassigned(evaluation, lead, make_user):
    procedure = declare_all(evaluation)
    first, second = procedure.evaluators
    quality, cost = list(procedure.scorecard.groups.order_by("position", "pk"))
    cost_criteria = [c for c in criteria_of(procedure) if c.group_id == cost.pk]

    # given a third and fourth evaluator assigned at once to the Cost group
    third, fourth = make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    assigned = evaluators_assign(actor=lead, procedure=procedure, evaluators=[third, fourth], groups=[cost])
    assert [list(a.groups.all()) for a in assigned] == [[cost], [cost]]
    assert AwardProcedureUserObjectPermission.objects.filter(content_object=procedure, user=third).count() == 2
    newcomer = make_user(Role.EVALUATOR)
    with pytest.raises(ValidationError) as refused:  # the lead cannot be one of them: then nobody is assigned
        evaluators_assign(actor=lead, procedure=procedure, evaluators=[newcomer, lead])
    assert str(lead) in str(refused.value)
    assert not EvaluatorAssignment.all_objects.filter(procedure=procedure, evaluator=newcomer).exists()

    # the first evaluator scores everything and submits; the second keeps a draft score
    score_all(procedure, first, 3)
    services.scoresheet_submit(actor=first, procedure=procedure)
    bid = procedure.bids.order_by("pk").first()
    services.score_save(actor=second, bid=bid, criterion=cost_criteria[0], value=2, rationale="Dear")

    # narrowing away a group the first evaluator submitted scores for is refused with a sentence
    first_assignment = EvaluatorAssignment.objects.get(procedure=procedure, evaluator=first)
    with pytest.raises(ValidationError, match="submitted scores for Quality"):
        evaluator_set_groups(actor=lead, assignment=first_assignment, groups=[cost], reason="Quality is Ana's")
    # narrowing the second evaluator's draft away from Cost removes that draft score, with the reason
    second_assignment = EvaluatorAssignment.objects.get(procedure=procedure, evaluator=second)
    evaluator_set_groups(actor=lead, assignment=second_assignment, groups=[quality], reason="Cost needs a CPA")
    assert list(second_assignment.groups.all()) == [quality]
    assert not Score.objects.filter(sheet__evaluator=second, criterion__group=cost).exists()
    deleted = Score.history.filter(history_type="-", sheet_id__isnull=False).latest("history_date")
    assert deleted.history_user == lead and "Cost needs a CPA" in deleted.history_change_reason

    # when the second evaluator is unassigned, their unsubmitted sheet goes and their access is revoked
    services.score_save(actor=second, bid=bid, criterion=criteria_of(procedure)[0], value=4, rationale="Good")
    sheet_id = ScoreSheet.objects.get(scorecard__procedure=procedure, evaluator=second).pk
    evaluator_unassign(actor=lead, assignment=second_assignment, reason="Left the company")
    row = EvaluatorAssignment.all_objects.get(pk=second_assignment.pk)
    assert row.unassigned_by == lead and row.unassign_reason == "Left the company"
    assert not ScoreSheet.objects.filter(pk=sheet_id).exists()
    gone = ScoreSheet.history.filter(id=sheet_id, history_type="-").get()
    assert gone.history_user == lead and "Left the company" in gone.history_change_reason
    assert not AwardProcedureUserObjectPermission.objects.filter(content_object=procedure, user=second).exists()
    assert not EvaluatorAssignment.objects.filter(procedure=procedure, evaluator=second).exists()
    with pytest.raises(Http404):  # they no longer see the procedure at all
        services.score_save(actor=second, bid=bid, criterion=cost_criteria[0], value=2, rationale="x")
    assert results.scoring_grid(procedure, second).assignment is None
    from awards.policies import bid_policy  # their declarations stay in the record but open no bid any more

    assert not bid_policy.visible(second).filter(pk=bid.pk).exists()

    # the first evaluator unassigned after submitting: the sheet stays, marked in the decision record
    evaluator_unassign(actor=lead, assignment=first_assignment, reason="Conflict found late")
    assert ScoreSheet.objects.get(scorecard__procedure=procedure, evaluator=first).is_submitted
    # who still has to score: the two Cost evaluators only (neither unassigned person counts)
    assert not scoring_closed(procedure)
    for person in (third, fourth):
        for each in procedure.bids.order_by("pk"):
            services.conflict_declare(actor=person, bid=each, has_conflict=False)
            for criterion in cost_criteria:
                services.score_save(actor=person, bid=each, criterion=criterion, value=3, rationale="Fine")
        services.scoresheet_submit(actor=person, procedure=procedure)
    assert scoring_closed(procedure)
    record = decision_record(procedure, for_user=lead)
    people = {e["id"]: e for e in record["evaluators"]}
    assert people[first.pk]["assigned"] is False and people[first.pk]["unassign_reason"] == "Conflict found late"
    assert {s["evaluator"] for s in record["scores"]} >= {first.pk}
    # and the workbook shows the same: the evaluator's row carries who unassigned them, when and why
    sheet = decision_record_tables(record)["Evaluators"]
    row = dict(zip(sheet[0], next(r for r in sheet[1:] if r[0] == first.pk), strict=True))
    assert (row["assigned"], row["unassigned_by"], row["unassign_reason"]) == (False, lead.pk, "Conflict found late")
    assert row["unassigned_at"]

    # reassigning the same person brings the same row back, the unassignment kept in its history
    again = services.evaluator_assign(actor=lead, procedure=procedure, evaluator=second)
    assert again.pk == second_assignment.pk and again.unassigned_at is None
    reasons = [h.history_change_reason for h in _history(again)]
    assert any("Left the company" in (r or "") for r in reasons)
    view = Permission.objects.get(codename="view_awardprocedure", content_type__app_label="awards")
    assert AwardProcedureUserObjectPermission.objects.filter(content_object=procedure, user=second,
                                                             permission=view).exists()


def test_unassign_and_group_pages_ask_a_reason_and_answer_only_the_lead(evaluation, lead, client, make_user):
    assignment = EvaluatorAssignment.objects.filter(procedure=evaluation).first()
    url = reverse("awards:evaluator_unassign", args=[evaluation.reference, assignment.pk])
    other_lead = make_user(Role.PROCUREMENT_LEAD)
    client.force_login(other_lead)
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    client.force_login(lead)
    assert client.post(url, {"reason": "", "confirm": "on"}).status_code == 400  # a reason is needed
    assert client.post(url, {"reason": "Moved team"}).status_code == 400  # and the confirmation
    assert EvaluatorAssignment.objects.filter(pk=assignment.pk).exists()
    assert client.post(url, {"reason": "Moved team", "confirm": "on"}).status_code == 302
    assert not EvaluatorAssignment.objects.filter(pk=assignment.pk).exists()
    # the unassigned row is not found any more by the page that changes groups
    groups_url = reverse("awards:evaluator_groups", args=[evaluation.reference, assignment.pk])
    assert client.get(groups_url).status_code == 404
    page = client.get(evaluation.get_absolute_url())
    assert "Moved team" in page.text  # listed under "Unassigned" with the reason


# --- conflict declarations as versions -----------------------------------------------------------------------


def test_a_revised_declaration_is_a_new_version_and_a_conflict_waits_for_review(evaluation, lead, client):
    procedure = declare_all(evaluation)
    first, _ = procedure.evaluators
    bid = procedure.bids.order_by("pk").first()
    criterion = criteria_of(procedure)[0]
    services.score_save(actor=first, bid=bid, criterion=criterion, value=3, rationale="Seen")
    old = ConflictDeclaration.objects.get(assignment__evaluator=first, bid=bid)

    # the evaluator revises to a conflict: the old row is superseded, the new one pending, scoring blocked
    new = conflict_revise(actor=first, declaration=old, has_conflict=True, description="My brother works there",
                          reason="Learned it yesterday")
    old.refresh_from_db()
    assert old.superseded_at is not None and new.supersedes == old
    assert new.review == ConflictDeclaration.Review.PENDING
    assert ConflictDeclaration.objects.get(assignment__evaluator=first, bid=bid) == new  # the one in force
    assert _history(new).last().history_user == first
    assert "Learned it yesterday" in _history(old, ConflictDeclaration).last().history_change_reason
    with pytest.raises(DomainError, match="awaits the lead's review"):
        services.score_save(actor=first, bid=bid, criterion=criterion, value=4, rationale="Seen")
    with pytest.raises(DomainError, match="already been revised"):
        conflict_revise(actor=first, declaration=old, has_conflict=False, reason="Again")
    with pytest.raises(PermissionDenied):  # the lead sees it but does not revise someone else's declaration
        conflict_revise(actor=lead, declaration=new, has_conflict=False, reason="No")

    # the decision record counts the version in force and lists the old one, marked superseded
    record = decision_record(procedure, for_user=first)
    mine = [d for d in record["declarations"] if d["evaluator"] == first.pk and d["bid"] == str(bid.pk)]
    assert [d["review"] for d in mine] == ["pending"]
    assert [d["id"] for d in record["superseded_declarations"]] == [old.pk]
    tables = decision_record_tables(record)  # the workbook lists it too, on its own sheet, never counted
    superseded = [dict(zip(tables["Superseded declarations"][0], r, strict=True))
                  for r in tables["Superseded declarations"][1:]]
    assert [(d["id"], d["counts"], bool(d["superseded_at"])) for d in superseded] == [(old.pk, False, True)]
    declared = tables["Declarations"]
    in_force = [dict(zip(declared[0], r, strict=True)) for r in declared[1:]]
    assert [d["supersedes"] for d in in_force if d["evaluator"] == first.pk and d["bid"] == str(bid.pk)] == [old.pk]

    # the page: the evaluator's revise link reaches the version in force only
    client.force_login(first)
    assert client.get(reverse("awards:coi_revise", args=[procedure.reference, old.pk])).status_code == 404
    assert client.get(reverse("awards:coi_revise", args=[procedure.reference, new.pk])).status_code == 200
    client.force_login(lead)
    assert client.get(reverse("awards:coi_revise", args=[procedure.reference, new.pk])).status_code == 404

    # once the lead accepts, the evaluator scores again
    services.conflict_review(actor=lead, declaration=new, recuse=False, reason="Brother is in another unit")
    services.score_save(actor=first, bid=bid, criterion=criterion, value=4, rationale="Seen")


# --- the procedure page ---------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _accepts(call) -> bool:
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return True
    except (DomainError, ValidationError, ValueError):
        return False


@pytest.mark.parametrize("stage", [s for s in Stage.values])
def test_the_offered_actions_are_what_the_services_accept(stage, procedure, lead, make_vendor):
    procedure.stage = stage
    procedure._change_reason = "test: the stage under test"
    procedure.save()
    nxt = next_stage(stage)
    readiness = missing_for(procedure, nxt) if nxt else None
    offered = {offer.key for offer in stage_actions(procedure, can_edit=True, readiness=readiness)}

    for target in Stage.values:
        accepted = target != Stage.CANCELLED and _accepts(lambda target=target: services.procedure_advance(
            actor=lead, procedure=procedure, target=target, reason="Walk"))
        assert (f"advance:{target}" in offered) == accepted, target
    assert ("cancel" in offered) == _accepts(lambda: services.procedure_cancel(actor=lead, procedure=procedure,
                                                                               reason="Walk"))
    vendor = make_vendor()
    assert ("invite" in offered) == _accepts(lambda: services.bid_invite(actor=lead, procedure=procedure,
                                                                         vendor=vendor))
    assert ("assign_evaluators" in offered) == procedure.is_open
    assert stage_actions(procedure, can_edit=False, readiness=readiness) == []


def test_the_awarded_page_leads_to_the_debriefs_and_the_contract(client, django_assert_max_num_queries):
    memo = memo_for_award()
    procedure = memo.procedure
    loser = BidFactory(procedure=procedure, status=Bid.Status.UNSUCCESSFUL)
    debrief = Debrief.objects.create(memo=memo, bid=loser)
    client.force_login(procedure.lead)

    with django_assert_max_num_queries(80):
        page = client.get(procedure.get_absolute_url())
    assert page.status_code == 200
    text = page.text
    assert reverse("awards:debrief_edit", args=[procedure.reference, debrief.pk]) in text
    assert "Not sent" in text
    assert f"{reverse('contracts:open')}?memo={procedure.reference}" in text
    assert text.index('id="after-award"') < text.index('id="requirements"')  # it comes first
    offers = {o.key for o in page.context["offers"].values()}
    assert offers == set()  # an awarded procedure offers no stage action


def test_a_new_procedure_pins_the_policy_versions_it_starts_under(procedure):
    procedure = AwardProcedure.objects.get(pk=procedure.pk)
    assert set(procedure.policy_versions) == {"committees", "approval_matrix", "dd_plans"}
    assert all(isinstance(n, int) and n >= 1 for n in procedure.policy_versions.values())
