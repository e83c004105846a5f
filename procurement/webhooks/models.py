"""Webhook subscriptions, and the outbox of deliveries with one row per attempt.

A `Delivery` is written in the same transaction as the event it announces (the outbox pattern) and carries the
exact body that is signed and sent, so a retry or a re-send posts the same bytes under the same delivery id.
Its `status` moves PENDING -> SENDING (claimed by one worker) -> DELIVERED, or back to PENDING with the next
attempt's time, or FAILED once the attempts run out; each attempt leaves a `DeliveryAttempt` row.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class WebhookSubscription(models.Model):
    url = models.CharField("URL", max_length=2000,
                           help_text="Where Baton posts the events: https://…, a public address.")
    events = models.JSONField(default=list, help_text="The event names this subscription receives.")
    description = models.CharField(max_length=300, blank=True,
                                   help_text="Who receives these events and why, e.g. “Finance ERP”.")
    # The signing secret, encrypted with a key derived from SECRET_KEY (procurement.webhooks.secrets); never
    # kept in the history rows.
    secret_encrypted = models.TextField(editable=False)
    secret_rotated_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    deactivated_reason = models.CharField(max_length=300, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["secret_encrypted"])

    class Meta:
        ordering = ["-is_active", "-created_at", "-pk"]
        permissions = [("manage_webhooksubscription", "Can manage webhook subscriptions and their deliveries")]

    def __str__(self) -> str:
        return self.description or self.url

    def get_absolute_url(self) -> str:
        return reverse("webhooks:detail", kwargs={"pk": self.pk})


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    uid = models.UUIDField("delivery id", default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries")
    event = models.CharField(max_length=64)
    event_id = models.UUIDField(help_text="The event's id: the same in every subscription's delivery of it.")
    body = models.TextField(help_text="The JSON body exactly as signed and sent.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveSmallIntegerField(default=0, help_text="Attempts since it was queued or re-sent.")
    next_attempt_at = models.DateTimeField()
    queued_at = models.DateTimeField(help_text="When the delivery task was last handed to the broker.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["subscription", "status", "event"])]

    def __str__(self) -> str:
        return f"{self.event} {self.uid}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    address = models.CharField(max_length=64, blank=True, help_text="The IP address connected to.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, help_text="The first bytes of the response body.")
    error = models.CharField(max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhooks_attempt_number")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.delivery}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
