"""Writes on evaluators: assignment (object permissions on this procedure only) and conflicts of interest."""

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from awards import notices
from awards.models import (
    AwardProcedure,
    AwardProcedureUserObjectPermission,
    Bid,
    ConflictDeclaration,
    CriterionGroup,
    EvaluatorAssignment,
    Score,
    Scorecard,
    ScoreSheet,
)
from awards.policies import procedure_policy
from awards.services._common import clean_reason, lock_procedure
from procurement.accounts.roles import Role, has_role
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_delete, model_save

EVALUATOR_PERMISSIONS = ("view_awardprocedure", "evaluate_awardprocedure")


def _grant(*, procedure: AwardProcedure, user, actor) -> None:
    for codename in EVALUATOR_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label="awards", codename=codename)
        if AwardProcedureUserObjectPermission.objects.filter(
                content_object=procedure, user=user, permission=permission).exists():
            continue
        grant = AwardProcedureUserObjectPermission(content_object=procedure, user=user, permission=permission)
        attribute(grant, actor=actor, reason=f"Assigned as evaluator of {procedure.reference}")
        grant.save()


def _revoke(*, procedure: AwardProcedure, user, actor, reason: str) -> None:
    """Take back the evaluator's object permissions on this procedure (history keeps each grant)."""
    for grant in AwardProcedureUserObjectPermission.objects.filter(
            content_object=procedure, user=user, permission__content_type__app_label="awards",
            permission__codename__in=EVALUATOR_PERMISSIONS):
        model_delete(grant, actor=actor, reason=f"Unassigned from {procedure.reference}: {reason}")


def _check_groups(procedure: AwardProcedure, groups) -> list:
    groups = list(dict.fromkeys(groups or ()))
    if any(group.scorecard.procedure_id != procedure.pk for group in groups):
        raise ValidationError({"groups": "Choose criterion groups of this procedure's scorecard."})
    return groups


def _check_evaluator(procedure: AwardProcedure, evaluator) -> None:
    if not (evaluator.is_active and has_role(evaluator, Role.EVALUATOR)):
        raise ValidationError({"evaluator": f"{evaluator}: choose an active user who holds the evaluator role."})
    if evaluator.pk == procedure.lead_id:
        raise ValidationError({"evaluator": "The procurement lead runs the procedure and does not score it."})


def _open_procedure(*, actor, procedure_id) -> AwardProcedure:
    procedure = lock_procedure(procedure_id)
    require(actor, procedure_policy, "edit", procedure)
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is closed.")
    return procedure


@transaction.atomic
def evaluator_assign(*, actor, procedure: AwardProcedure, evaluator, groups=()) -> EvaluatorAssignment:
    """Assign an evaluator to the procedure, scoring `groups` (none: every group of the scorecard).

    Someone unassigned earlier gets their row back (the unassignment and its reason stay in the row's history).
    """
    procedure = _open_procedure(actor=actor, procedure_id=procedure.pk)
    _check_evaluator(procedure, evaluator)
    groups = _check_groups(procedure, groups)
    assignment = EvaluatorAssignment.all_objects.select_for_update().filter(
        procedure=procedure, evaluator=evaluator).first()
    if assignment is not None and assignment.is_current:
        raise ValidationError({"evaluator": f"{evaluator} is already an evaluator of this procedure."})
    if assignment is not None:  # reassigned: the same row, active again
        was = assignment.unassign_reason
        assignment.unassigned_at, assignment.unassigned_by, assignment.unassign_reason = None, None, ""
        assignment.assigned_by = actor
        attribute(assignment, actor=actor, reason=f"Evaluator reassigned (had been unassigned: {was})")
        assignment.save(update_fields=["unassigned_at", "unassigned_by", "unassign_reason", "assigned_by",
                                       "updated_at"])
    else:
        assignment = EvaluatorAssignment(procedure=procedure, evaluator=evaluator, assigned_by=actor)
        assignment.full_clean()
        attribute(assignment, actor=actor, reason="Evaluator assigned")
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError:
            raise ValidationError({"evaluator": f"{evaluator} is already an evaluator of this procedure."}) from None
    if groups or assignment.groups.exists():
        attribute(assignment, actor=actor, reason="Criterion groups chosen")
        assignment.groups.set(groups)
    _grant(procedure=procedure, user=evaluator, actor=actor)
    notices.evaluator_assigned(assignment=assignment)
    return assignment


@transaction.atomic
def evaluators_assign(*, actor, procedure: AwardProcedure, evaluators, groups=()) -> list[EvaluatorAssignment]:
    """Assign several evaluators at once, each scoring `groups`: every one under evaluator_assign's rules, all or
    none; a refusal names the person it concerns."""
    evaluators = list(dict.fromkeys(evaluators or ()))
    if not evaluators:
        raise ValidationError({"evaluators": "Choose at least one evaluator."})
    assignments = []
    for evaluator in evaluators:
        try:
            assignments.append(evaluator_assign(actor=actor, procedure=procedure, evaluator=evaluator,
                                                groups=groups))
        except ValidationError as exc:
            errors = getattr(exc, "message_dict", {"evaluators": exc.messages})
            field = "groups" if "groups" in errors else "evaluators"
            raise ValidationError({field: [m if str(evaluator) in m else f"{evaluator}: {m}"
                                           for messages in errors.values() for m in messages]}) from None
    return assignments


def _submitted_groups(assignment: EvaluatorAssignment) -> set[int]:
    """The criterion groups in which the evaluator's submitted sheet holds scores."""
    return set(Score.objects.filter(
        sheet__scorecard__procedure_id=assignment.procedure_id, sheet__evaluator_id=assignment.evaluator_id,
        sheet__submitted_at__isnull=False).values_list("criterion__group_id", flat=True))


def _scored_groups(groups: set[int] | list, scorecard_groups) -> set[int]:
    """Group ids an assignment scores: those chosen, or every group of the scorecard when none is."""
    return set(groups) or {g.pk for g in scorecard_groups}


@transaction.atomic
def evaluator_set_groups(*, actor, assignment: EvaluatorAssignment, groups, reason: str) -> EvaluatorAssignment:
    """Change which criterion groups an evaluator scores (none: every group), with a reason.

    Nothing already submitted is reset: narrowing away a group in which the evaluator's submitted sheet holds
    scores is refused. Draft scores in a group narrowed away are removed (history keeps them). Widening a
    submitted sheet's groups reopens it, as adding a criterion after the lock does, so the new criteria get scored.
    """
    procedure = _open_procedure(actor=actor, procedure_id=assignment.procedure_id)
    assignment = EvaluatorAssignment.objects.select_for_update().filter(pk=assignment.pk).first()  # current only
    if assignment is None:
        raise DomainError("This evaluator is no longer assigned to the procedure.")
    reason = clean_reason(reason)
    groups = _check_groups(procedure, groups)
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    scorecard_groups = list(CriterionGroup.objects.filter(scorecard=scorecard)) if scorecard else []
    before = _scored_groups({g.pk for g in assignment.groups.all()}, scorecard_groups)
    after = _scored_groups({g.pk for g in groups}, scorecard_groups)
    if before == after and {g.pk for g in assignment.groups.all()} == {g.pk for g in groups}:
        return assignment
    dropped = before - after
    submitted = _submitted_groups(assignment) & dropped
    if submitted:
        names = ", ".join(sorted(g.name for g in scorecard_groups if g.pk in submitted))
        raise ValidationError({"groups": f"{assignment.evaluator} has submitted scores for {names}; those stay in "
                                         "the record, so that group cannot be taken away from them (reopen "
                                         "their sheet first if those scores are to go)."})
    why = f"Criterion groups changed: {reason}"
    for score in Score.objects.filter(sheet__scorecard=scorecard, sheet__evaluator_id=assignment.evaluator_id,
                                      sheet__submitted_at__isnull=True, criterion__group_id__in=dropped):
        model_delete(score, actor=actor, reason=why)
    if after - before and scorecard is not None:
        sheet = ScoreSheet.objects.select_for_update().filter(
            scorecard=scorecard, evaluator_id=assignment.evaluator_id, submitted_at__isnull=False).first()
        if sheet is not None:
            sheet.submitted_at, sheet.reopen_reason = None, why[:200]
            attribute(sheet, actor=actor, reason=f"Reopened: {why}")
            sheet.save(update_fields=["submitted_at", "reopen_reason", "updated_at"])
    attribute(assignment, actor=actor, reason=why)
    assignment.groups.set(groups)
    assignment.save(update_fields=["updated_at"])
    return assignment


@transaction.atomic
def evaluator_unassign(*, actor, assignment: EvaluatorAssignment, reason: str) -> EvaluatorAssignment:
    """Take an evaluator off the procedure, with a reason.

    Their unsubmitted sheet and its scores go (history keeps them, with the reason); a submitted sheet stays in
    the record and the decision record, marked with the reason. Their object permissions on the procedure are
    revoked; the row stays (unassigned) so a later reassignment brings it back.
    """
    procedure = _open_procedure(actor=actor, procedure_id=assignment.procedure_id)
    assignment = EvaluatorAssignment.all_objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_current:
        raise DomainError(f"{assignment.evaluator} is not an evaluator of {procedure.reference} any more.")
    reason = clean_reason(reason)
    why = f"Evaluator unassigned: {reason}"
    for sheet in ScoreSheet.objects.select_for_update().filter(
            scorecard__procedure=procedure, evaluator_id=assignment.evaluator_id, submitted_at__isnull=True):
        for score in sheet.scores.all():
            model_delete(score, actor=actor, reason=why)
        model_delete(sheet, actor=actor, reason=why)
    assignment.unassigned_at, assignment.unassigned_by, assignment.unassign_reason = timezone.now(), actor, reason
    attribute(assignment, actor=actor, reason=why)
    assignment.save(update_fields=["unassigned_at", "unassigned_by", "unassign_reason", "updated_at"])
    _revoke(procedure=procedure, user=assignment.evaluator, actor=actor, reason=reason)
    return assignment


@transaction.atomic
def conflict_declare(*, actor, bid: Bid, has_conflict: bool, description: str = "") -> ConflictDeclaration:
    """An assigned evaluator declares, before seeing the bid, whether they have a conflict with its vendor."""
    lock_procedure(bid.procedure_id)
    assignment = EvaluatorAssignment.objects.filter(procedure_id=bid.procedure_id, evaluator=actor).first()
    if assignment is None:
        require(actor, procedure_policy, "declare", bid.procedure)  # 404 / 403 as the policy decides
        raise DomainError("Only an evaluator assigned to this procedure declares conflicts of interest.")
    description = (description or "").strip()
    if has_conflict and not description:
        raise ValidationError({"description": "Describe the conflict: the relationship, interest or role."})
    if ConflictDeclaration.objects.filter(assignment=assignment, bid=bid).exists():
        raise DomainError(f"You have already declared for {bid.vendor}; ask the procurement lead if it changed.")
    declaration = ConflictDeclaration(
        assignment=assignment, bid=bid, has_conflict=has_conflict, description=description if has_conflict else "",
        review=ConflictDeclaration.Review.PENDING if has_conflict else ConflictDeclaration.Review.NOT_NEEDED,
    )
    model_save(declaration, actor=actor, reason="Conflict declared" if has_conflict else "No conflict declared")
    return declaration


@transaction.atomic
def conflict_review(*, actor, declaration: ConflictDeclaration, recuse: bool, reason: str) -> ConflictDeclaration:
    """The lead recuses the evaluator from the bid, or accepts the declared conflict with a reason."""
    procedure = lock_procedure(declaration.assignment.procedure_id)
    declaration = ConflictDeclaration.all_objects.select_for_update().get(pk=declaration.pk)
    require(actor, procedure_policy, "edit", procedure)
    reason = clean_reason(reason)
    if not declaration.in_force:
        raise DomainError("This declaration has been revised; review the version in force.")
    if declaration.review != ConflictDeclaration.Review.PENDING:
        raise DomainError("This declaration has already been reviewed.")
    declaration.review = ConflictDeclaration.Review.RECUSED if recuse else ConflictDeclaration.Review.ACCEPTED
    declaration.review_reason = reason
    declaration.reviewed_by, declaration.reviewed_at = actor, timezone.now()
    attribute(declaration, actor=actor, reason=("Recused: " if recuse else "Conflict accepted: ") + reason)
    declaration.save(update_fields=["review", "review_reason", "reviewed_by", "reviewed_at", "updated_at"])
    return declaration


@transaction.atomic
def conflict_revise(*, actor, declaration: ConflictDeclaration, has_conflict: bool, description: str = "",
                    reason: str) -> ConflictDeclaration:
    """The evaluator revises their declaration for a bid: a new version in force, the old one kept (superseded).

    A revision to a conflict goes to the lead's review like a first declaration (pending: the bid cannot be
    scored until the conflict is accepted). A recusal is the lead's decision: it is not undone by a revision.
    """
    procedure = lock_procedure(declaration.bid.procedure_id)
    old = ConflictDeclaration.all_objects.select_for_update().select_related("assignment", "bid__vendor").get(
        pk=declaration.pk)
    if old.assignment.evaluator_id != actor.pk:
        require(actor, procedure_policy, "declare", procedure)  # 404 / 403 as the policy decides
        raise DomainError("Only the evaluator who declared revises their declaration.")
    if not old.assignment.is_current:
        raise DomainError(f"You are no longer an evaluator of {procedure.reference}.")
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is closed.")
    if not old.in_force:
        raise DomainError("This declaration has already been revised; revise the version in force.")
    reason = clean_reason(reason, what="the reason for the revision")
    description = (description or "").strip()
    if has_conflict and not description:
        raise ValidationError({"description": "Describe the conflict: the relationship, interest or role."})
    if old.review == ConflictDeclaration.Review.RECUSED and not has_conflict:
        raise DomainError(f"The procurement lead recused you from the bid of {old.bid.vendor}; a revision does not "
                          "undo a recusal. Ask the lead.")
    if has_conflict == old.has_conflict and description == old.description:
        raise ValidationError({"description": "Nothing changed: the revision says what the declaration already "
                                              "says."})
    old.superseded_at = timezone.now()
    attribute(old, actor=actor, reason=f"Superseded by a revision: {reason}")
    old.save(update_fields=["superseded_at", "updated_at"])
    if has_conflict:
        review = (ConflictDeclaration.Review.RECUSED if old.review == ConflictDeclaration.Review.RECUSED
                  else ConflictDeclaration.Review.PENDING)
    else:
        review = ConflictDeclaration.Review.NOT_NEEDED
    new = ConflictDeclaration(assignment=old.assignment, bid=old.bid, has_conflict=has_conflict,
                              description=description if has_conflict else "", review=review, supersedes=old)
    if review == ConflictDeclaration.Review.RECUSED:  # still recused: the lead's decision carries over
        new.review_reason, new.reviewed_by, new.reviewed_at = old.review_reason, old.reviewed_by, old.reviewed_at
    model_save(new, actor=actor, reason=("Conflict declaration revised: " if has_conflict
                                         else "Declaration revised to no conflict: ") + reason)
    return new
