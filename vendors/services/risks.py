"""The vendor's risk register: register, edit (a rating change voids an acceptance), status, and acceptance of
the residual risk by the level the acceptance matrix names (vendors.risk)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from procurement import authz
from procurement.accounts.roles import roles_of
from procurement.services import model_save
from procurement.statemachine import ensure_transition
from vendors.models import Risk, Vendor
from vendors.policies import vendor_policy
from vendors.risk import acceptance_refusal, matrix_from_config
from vendors.services._common import need_reason
from vendors.transitions import RISK_STATUS

RISK_EDITABLE = ("title", "description", "category", "context", "inherent_likelihood", "inherent_impact",
                 "residual_likelihood", "residual_impact", "mitigations", "owner", "review_date")
RATING_FIELDS = ("residual_likelihood", "residual_impact", "inherent_likelihood", "inherent_impact")


@transaction.atomic
def risk_create(*, actor, vendor: Vendor, title: str, category: str, inherent_likelihood: int,
                inherent_impact: int, residual_likelihood: int, residual_impact: int, owner, review_date: date,
                description: str = "", mitigations: str = "", context: str = "",
                reason: str = "Risk registered") -> Risk:
    authz.require(actor, vendor_policy, "manage_risks", vendor)
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": "The risk owner must be an active user."})
    risk = Risk(vendor=vendor, title=title.strip(), category=category, description=description, context=context,
                inherent_likelihood=inherent_likelihood, inherent_impact=inherent_impact,
                residual_likelihood=residual_likelihood, residual_impact=residual_impact,
                mitigations=mitigations, owner=owner, review_date=review_date)
    model_save(risk, actor=actor, reason=reason)
    return risk


def _clear_acceptance(risk: Risk) -> None:
    risk.accepted_by, risk.accepted_at, risk.acceptance_reason = None, None, ""


@transaction.atomic
def risk_update(*, actor, risk: Risk, reason: str = "Risk edited", **changes) -> Risk:
    """Edit a risk. Changing a rating of an accepted risk voids the acceptance: it is open again."""
    unknown = set(changes) - set(RISK_EDITABLE)
    if unknown:
        raise ValueError(f"risk_update cannot change: {', '.join(sorted(unknown))}")
    risk = Risk.objects.select_for_update().select_related("vendor").get(pk=risk.pk)
    authz.require(actor, vendor_policy, "manage_risks", risk.vendor)
    rating_changed = any(name in changes and changes[name] != getattr(risk, name) for name in RATING_FIELDS)
    for name, value in changes.items():
        setattr(risk, name, value)
    if not risk.owner.is_active:
        raise ValidationError({"owner": "The risk owner must be an active user."})
    acceptor_now_owns = "owner" in changes and risk.owner_id == risk.accepted_by_id
    if risk.status == Risk.Status.ACCEPTED and (rating_changed or acceptor_now_owns):
        risk.status = Risk.Status.OPEN
        _clear_acceptance(risk)
        reason = f"{reason}; acceptance voided by the change"
    model_save(risk, actor=actor, reason=reason)
    return risk


@transaction.atomic
def risk_set_status(*, actor, risk: Risk, status: str, reason: str) -> Risk:
    risk = Risk.objects.select_for_update().select_related("vendor").get(pk=risk.pk)
    authz.require(actor, vendor_policy, "manage_risks", risk.vendor)
    reason = need_reason(reason)
    if status == Risk.Status.ACCEPTED:
        raise ValidationError({"status": "Use “Accept residual risk”, which applies the acceptance matrix."})
    ensure_transition(RISK_STATUS, risk.status, status, labels=dict(Risk.Status.choices), subject=f"Risk “{risk}”")
    if risk.status == Risk.Status.ACCEPTED:
        _clear_acceptance(risk)
    risk.status = status
    model_save(risk, actor=actor, reason=reason)
    return risk


def acceptance_matrix_in_force():
    """The current version of the risk acceptance matrix (policy table "risk_acceptance"): (number, matrix)."""
    from procurement import policy_tables

    version = policy_tables.current("risk_acceptance")
    return version.number, matrix_from_config(version.snapshot)


@transaction.atomic
def risk_accept(*, actor, risk: Risk, reason: str) -> Risk:
    """Accept the residual risk. Who may do it depends on the residual rating and the current version of the risk
    acceptance matrix (policy table "risk_acceptance", shipped as vendors.risk.ACCEPTANCE_MATRIX), whose number
    the risk records; nobody accepts a risk they own."""
    risk = Risk.objects.select_for_update().select_related("vendor").get(pk=risk.pk)
    authz.require(actor, vendor_policy, "accept_risk", risk.vendor)
    reason = need_reason(reason)
    number, matrix = acceptance_matrix_in_force()
    refusal = acceptance_refusal(rating=risk.residual_rating, user_roles=roles_of(actor),
                                 is_owner=risk.owner_id == actor.pk, matrix=matrix)
    if refusal:
        raise PermissionDenied(refusal)
    ensure_transition(RISK_STATUS, risk.status, Risk.Status.ACCEPTED, labels=dict(Risk.Status.choices),
                      subject=f"Risk “{risk}”")
    risk.status = Risk.Status.ACCEPTED
    risk.accepted_by = actor
    risk.accepted_at = timezone.now()
    risk.acceptance_reason = reason
    risk.acceptance_matrix_version = number
    model_save(risk, actor=actor, reason=f"Residual risk accepted: {reason}")
    return risk
