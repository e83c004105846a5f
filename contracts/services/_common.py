"""Helpers shared by the contract services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from contracts.models import Contract
from contracts.policies import contract_policy
from contracts.transitions import EDITABLE
from procurement import authz
from procurement.audit.history import attribute
from procurement.exceptions import InvalidTransition


def need(text: str, field: str = "reason", message: str = "Give a reason.") -> str:
    if not (text or "").strip():
        raise ValidationError({field: message})
    return text.strip()


def save(obj: models.Model, *, actor, reason: str, **save_kwargs) -> models.Model:
    obj.full_clean()
    attribute(obj, actor=actor, reason=reason)
    obj.save(**save_kwargs)
    return obj


def delete(obj: models.Model, *, actor, reason: str) -> None:
    attribute(obj, actor=actor, reason=reason)
    obj.delete()


def locked(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def require(actor, action: str, contract: Contract) -> None:
    authz.require(actor, contract_policy, action, contract)


def ensure_editable(contract: Contract) -> None:
    if contract.status not in EDITABLE:
        raise InvalidTransition(
            f"{contract.reference} is {contract.get_status_display().lower()}; its negotiation records can no "
            "longer change.")


def ensure_open(contract: Contract) -> None:
    """Post-award records may be kept on any contract that is not closed."""
    if contract.status == Contract.Status.CLOSED:
        raise InvalidTransition(f"{contract.reference} is closed; its records can no longer change.")


def today():
    from django.utils import timezone

    return timezone.localdate()
