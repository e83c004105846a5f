"""Passkeys (WebAuthn credentials) a person registers for the sign-off step-up, and the challenges Baton issues.

A passkey is never deleted: removing one is a soft revoke (who, when, why), kept with its history, so a sign-off
that names the passkey it was made with keeps pointing at a row that explains itself.

A challenge row is what makes each ceremony single-use and bound to its purpose: the challenge the browser signs
is sha256(nonce || canonical JSON of the binding) (procurement.passkeys.services), the row keeps the nonce, the
binding (for a sign-off: the memo, its content hash, the decision and the committee), when it expires and when it
was used. An answer to a used, expired or foreign challenge is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Passkey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="passkeys")
    name = models.CharField(max_length=80, help_text="A name its owner recognises, e.g. “Work laptop”.")
    credential_id = models.CharField(max_length=1400, unique=True, help_text="base64url of the credential ID.")
    public_key = models.BinaryField(help_text="The COSE-encoded public key.")
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    aaguid = models.CharField(max_length=36, blank=True)
    backed_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    revoke_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PasskeyChallenge(models.Model):
    class Purpose(models.TextChoices):
        REGISTER = "register", "Register a passkey"
        SIGNOFF = "signoff", "Sign a decision memo"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    challenge = models.CharField(max_length=64, unique=True, help_text="base64url of the 32-byte challenge.")
    nonce = models.CharField(max_length=64, help_text="hex of the random part of the challenge.")
    binding = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.user} at {self.created_at:%Y-%m-%d %H:%M}"
