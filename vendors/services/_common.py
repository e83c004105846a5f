"""Helpers shared by the vendor services."""

from django.core.exceptions import ValidationError


def need_reason(reason: str, field: str = "reason") -> str:
    if not reason or not reason.strip():
        raise ValidationError({field: "Give a reason; it is kept in the audit trail."})
    return reason.strip()
