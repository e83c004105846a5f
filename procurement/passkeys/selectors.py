"""Reads of passkeys: each person's own."""

from __future__ import annotations

from django.db.models import QuerySet

from procurement.passkeys.models import Passkey


def passkeys_of(user) -> QuerySet[Passkey]:
    """The user's passkeys still in use, oldest first."""
    if not getattr(user, "is_authenticated", False):
        return Passkey.objects.none()
    return Passkey.objects.filter(user=user, revoked_at__isnull=True).order_by("created_at", "pk")


def revoked_passkeys_of(user) -> QuerySet[Passkey]:
    if not getattr(user, "is_authenticated", False):
        return Passkey.objects.none()
    return Passkey.objects.filter(user=user, revoked_at__isnull=False).order_by("-revoked_at", "-pk")


def has_passkey(user) -> bool:
    return passkeys_of(user).exists()
