"""Helpers shared by the contract services."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from contracts.models import Contract
from contracts.policies import contract_policy
from contracts.transitions import EDITABLE
from procurement import authz
from procurement.exceptions import InvalidTransition
from procurement.services import model_delete as delete  # the kernel's one way to delete a tracked row
from procurement.services import model_save as save  # validate, attribute, save: the kernel's one way

__all__ = ["delete", "ensure_editable", "ensure_open", "locked", "need", "require", "save", "today"]


def need(text: str, field: str = "reason", message: str = "Give a reason.") -> str:
    if not (text or "").strip():
        raise ValidationError({field: message})
    return text.strip()


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
