"""The bidders' portal (issue 20): invitations for vendor contacts, the RFP documents bidders download, and the
notices every invited bidder is sent (with their acknowledgement).

Who may see what in the portal is decided in one place, awards.portal.access."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from awards.models.memo import Debrief
from awards.models.procedure import AwardProcedure
from procurement.models import TimeStampedModel
from vendors.models import VendorContact


class BidderInvitation(TimeStampedModel):
    """An e-mailed link that signs a vendor contact up (or in) and ties their account to the vendor. Only the
    sha256 of the link's token is stored; a link works once, until it expires or is revoked."""

    class Email(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(VendorContact, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    expires_at = models.DateTimeField(editable=False)
    email_status = models.CharField(max_length=8, choices=Email.choices, default=Email.QUEUED, editable=False)
    email_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoke_reason = models.TextField(blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["bid", "-created_at", "pk"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.bid}"


def rfp_document_upload_to(instance: "RfpDocument", filename: str) -> str:
    return f"awards/rfp/{instance.procedure_id}/{instance.sha256[:2]}/{instance.sha256}"


class RfpDocument(TimeStampedModel):
    """A document of the RFP every invited bidder may download (pinned by its sha256; withdrawn, never deleted)."""

    procedure = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE, related_name="rfp_documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=rfp_document_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveBigIntegerField(editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdraw_reason = models.TextField(blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure", "created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class NoticeKind(models.TextChoices):
    CLARIFICATION = "clarification", "Clarification"
    ANSWERS = "answers", "Answers to bidders' questions"
    TIMELINE = "timeline", "Timeline change"
    OPENING = "opening", "Bid opening"
    LATE = "late", "Late submission"
    AWARD = "award", "Award notice"
    DEBRIEF = "debrief", "Debrief"


class BidderNotice(TimeStampedModel):
    """Something a bidder was told, once per bid (idempotent on `key`), shown in the portal and e-mailed to the
    vendor's contacts with a portal account (procurement.notifications, kind "bidder_notice"). The bidder
    acknowledges receipt; who was told when is this row plus its notification rows."""

    Kind = NoticeKind

    procedure = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE, related_name="bidder_notices")
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    key = models.CharField(max_length=200, editable=False)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; shown as written.")
    debrief = models.ForeignKey(Debrief, on_delete=models.PROTECT, null=True, blank=True, related_name="notices")
    published_at = models.DateTimeField(editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["bid", "key"], name="unique_bidder_notice_key")]
        indexes = [models.Index(fields=["bid", "acknowledged_at"])]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("portal:notice_detail", args=[self.procedure.reference, self.pk])
