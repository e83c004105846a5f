"""Recording a waiver (awards.models.waivers): the one write that lets a procedure proceed against a rule an
organisation may set aside. Who may record one is awards.policies.WaiverPolicy ("waive"); the steps that would
otherwise be refused ask awards.selectors.waivers.waivers_for before refusing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from awards.models import Waiver
from awards.models.waivers import MIN_REASON_LENGTH, WaiverKind
from awards.policies import waiver_policy
from awards.services._common import lock_procedure
from procurement.authz import is_active_user
from procurement.services import model_save


def _check_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON_LENGTH or len(set(reason.lower()) - set(" .,;:-")) < 5:
        raise ValidationError({"reason": f"Say why the organisation proceeds anyway, in a sentence or more (at "
                                         f"least {MIN_REASON_LENGTH} characters): the reason is what the waiver "
                                         "is judged on."})
    return reason


def default_beneficiary(procedure, kind: str):
    """Who proceeds because of a waiver: the procedure's lead (who signs, submits, admits or reschedules)."""
    return procedure.lead


@transaction.atomic
def waiver_record(*, actor, procedure, kind: str, subject: str = "", reason: str, beneficiary=None) -> Waiver:
    """Record a waiver of `kind` for `procedure`. Refused (nothing written) when the actor is not at the level
    the policy names for that kind, benefits from it, or gives no real reason."""
    if not is_active_user(actor):
        raise PermissionDenied("Your account is not active.")
    if kind not in WaiverKind.values:
        raise ValidationError({"kind": "Choose what is waived: " + ", ".join(WaiverKind.labels).lower() + "."})
    procedure = lock_procedure(procedure.pk)
    waiver = Waiver(procedure=procedure, kind=kind, subject=(subject or "").strip()[:200],
                    reason=(reason or "").strip(), recorded_by=actor, recorded_at=timezone.now(),
                    beneficiary=beneficiary or default_beneficiary(procedure, kind))
    refusal = waiver_policy.refusal(actor, "waive", waiver, seen=True)
    if refusal is not None:
        raise PermissionDenied(refusal)
    waiver.reason = _check_reason(reason)
    model_save(waiver, actor=actor, reason=f"Waiver recorded: {waiver.get_kind_display()} — {waiver.reason}")
    return waiver
