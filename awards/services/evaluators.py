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
    EvaluatorAssignment,
)
from awards.policies import procedure_policy
from awards.services._common import clean_reason, lock_procedure, locked
from procurement.accounts.roles import Role, has_role
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_save

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


@transaction.atomic
def evaluator_assign(*, actor, procedure: AwardProcedure, evaluator, groups=()) -> EvaluatorAssignment:
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is closed.")
    if not (evaluator.is_active and has_role(evaluator, Role.EVALUATOR)):
        raise ValidationError({"evaluator": "Choose an active user who holds the evaluator role."})
    if evaluator.pk == procedure.lead_id:
        raise ValidationError({"evaluator": "The procurement lead runs the procedure and does not score it."})
    if EvaluatorAssignment.objects.filter(procedure=procedure, evaluator=evaluator).exists():
        raise ValidationError({"evaluator": f"{evaluator} is already an evaluator of this procedure."})
    assignment = EvaluatorAssignment(procedure=procedure, evaluator=evaluator, assigned_by=actor)
    assignment.full_clean()
    attribute(assignment, actor=actor, reason="Evaluator assigned")
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        raise ValidationError({"evaluator": f"{evaluator} is already an evaluator of this procedure."}) from None
    if groups:
        if any(group.scorecard.procedure_id != procedure.pk for group in groups):
            raise ValidationError({"groups": "Choose criterion groups of this procedure's scorecard."})
        assignment.groups.set(groups)
    _grant(procedure=procedure, user=evaluator, actor=actor)
    notices.evaluator_assigned(assignment=assignment)
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
    declaration = locked(ConflictDeclaration, declaration.pk)
    require(actor, procedure_policy, "edit", procedure)
    reason = clean_reason(reason)
    if declaration.review != ConflictDeclaration.Review.PENDING:
        raise DomainError("This declaration has already been reviewed.")
    declaration.review = ConflictDeclaration.Review.RECUSED if recuse else ConflictDeclaration.Review.ACCEPTED
    declaration.review_reason = reason
    declaration.reviewed_by, declaration.reviewed_at = actor, timezone.now()
    attribute(declaration, actor=actor, reason=("Recused: " if recuse else "Conflict accepted: ") + reason)
    declaration.save(update_fields=["review", "review_reason", "reviewed_by", "reviewed_at", "updated_at"])
    return declaration
