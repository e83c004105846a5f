"""Notification rows (the inbox and the email outbox in one) and each person's channel preferences."""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from simple_history.models import HistoricalRecords

from procurement.notifications.kinds import kind_choices


class Notification(models.Model):
    """One event told to one person. `key` names the event, so the same event is never told twice."""

    class Email(models.TextChoices):
        NOT_WANTED = "not_wanted", "Not wanted (email off)"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=40, choices=kind_choices)
    key = models.CharField(max_length=200, help_text="Names the event; one notification per person and key.")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="Link straight to the object.")
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    in_app = models.BooleanField(default=True, help_text="Shown in the inbox (the person's preference when sent).")
    email_status = models.CharField(max_length=12, choices=Email.choices, default=Email.NOT_WANTED)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification_per_event")]
        indexes = [models.Index(fields=["recipient", "in_app", "read_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Which channels one person wants for one kind. No row: both channels on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notification_prefs")
    kind = models.CharField(max_length=40, choices=kind_choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "kind"]
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_pref")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"


class CalendarFeed(models.Model):
    """A person's secret calendar address. Only the token's sha256 is stored; revoking blanks it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["token_hash"])

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    @property
    def is_active(self) -> bool:
        return bool(self.token_hash) and self.revoked_at is None

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
