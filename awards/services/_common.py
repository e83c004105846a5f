"""Helpers shared by the award services."""

from django.db import models

from awards.models import AwardProcedure
from awards.models.procedure import Stage
from procurement.exceptions import DomainError

STAGE_LABELS = dict(Stage.choices)


def locked(model: type[models.Model], pk) -> models.Model:
    """Re-read a row under a row lock (PostgreSQL; SQLite serialises writers with IMMEDIATE transactions)."""
    return model._default_manager.select_for_update().get(pk=pk)


def lock_procedure(procedure_id) -> AwardProcedure:
    return locked(AwardProcedure, procedure_id)


def require_stage(procedure: AwardProcedure, stages, doing: str) -> None:
    if procedure.stage not in stages:
        allowed = ", ".join(STAGE_LABELS[s] for s in stages)
        raise DomainError(f"You can {doing} only while the procedure is {allowed}; "
                          f"{procedure.reference} is {STAGE_LABELS[procedure.stage]}.")


def clean_reason(reason: str, *, what: str = "a reason") -> str:
    from django.core.exceptions import ValidationError

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Give {what}."})
    return reason
