"""Rendered documents are job rows: requested PENDING, claimed RENDERING by one worker, then READY or FAILED.

A row renders one version of one kind of document for one source object, identified by the hash of
everything the document shows. When the source changes, a new request creates the next version and the
older rows become STALE (they stay downloadable, their history intact).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


def document_upload_to(instance: "RenderedDocument", filename: str) -> str:
    return f"documents/{instance.kind}/{filename}"


class RenderedDocument(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to render"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        STALE = "stale", "Out of date"

    kind = models.CharField(max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("content_type", "object_id")
    source_hash = models.CharField(max_length=64, help_text="sha256 of everything the document shows.")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)

    file = models.FileField(upload_to=document_upload_to, max_length=255, blank=True)
    file_name = models.CharField(max_length=160, blank=True, help_text="Name offered on download.")
    sha256 = models.CharField(max_length=64, blank=True, help_text="sha256 of the stored file.")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="requested_documents")
    requested_at = models.DateTimeField()
    queued_at = models.DateTimeField(help_text="When the render task was last handed to the broker.")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker started this attempt.")
    rendered_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "content_type", "object_id", "source_hash"]),
            models.Index(fields=["status", "queued_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "content_type", "object_id", "version"],
                                    name="document_version_unique"),
            models.UniqueConstraint(fields=["kind", "content_type", "object_id"], condition=~Q(status="stale"),
                                    name="document_one_current_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} of {self.content_type.model} {self.object_id} ({self.status})"

    def get_download_url(self) -> str:
        return reverse("documents:download", args=[self.pk])

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RENDERING)
