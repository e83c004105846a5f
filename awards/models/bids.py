"""Bids: a vendor invited to a procedure, its submission, its obligations and its proposal documents."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from awards.models.procedure import AwardProcedure
from procurement.models import TimeStampedModel
from vendors.models import Vendor


class BidStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    DECLINED = "declined", "Declined"
    SUBMITTED = "submitted", "Submitted"
    KNOCKED_OUT = "knocked_out", "Knocked out"
    SHORTLISTED = "shortlisted", "Shortlisted"
    AWARDED = "awarded", "Awarded"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"


class LateDecision(models.TextChoices):
    NOT_LATE = "", "On time"
    PENDING = "pending", "Late — decision pending"
    ADMITTED = "admitted", "Late — admitted"
    REJECTED = "rejected", "Late — rejected"


class Bid(TimeStampedModel):
    Status = BidStatus
    LateDecision = LateDecision

    procedure = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE, related_name="bids")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="bids")
    status = models.CharField(max_length=16, choices=BidStatus.choices, default=BidStatus.INVITED, editable=False)
    status_reason = models.TextField(blank=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    invited_at = models.DateTimeField(editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False,
                                        help_text="Server time at which the proposal was recorded as received.")
    late_decision = models.CharField(max_length=10, choices=LateDecision.choices, blank=True, editable=False)
    late_decision_reason = models.TextField(blank=True, editable=False)
    late_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+", editable=False)
    price_currency = models.CharField(max_length=3, blank=True, editable=False,
                                      help_text="ISO 4217 code of the bid's price schedule (awards.models.price).")
    # Obligations fixed from the vendor's tier when it was invited.
    vendor_tier = models.CharField(max_length=16, blank=True, editable=False)
    pov_required = models.BooleanField(default=False, editable=False)
    references_required = models.PositiveSmallIntegerField(default=0, editable=False)
    independent_references_required = models.PositiveSmallIntegerField(default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure", "vendor__legal_name"]
        constraints = [models.UniqueConstraint(fields=["procedure", "vendor"], name="unique_bid_per_vendor")]

    def __str__(self) -> str:
        return f"{self.vendor} — {self.procedure.reference}"

    def get_absolute_url(self) -> str:
        return reverse("awards:bid_detail", args=[self.procedure.reference, self.pk])

    @property
    def is_late(self) -> bool:
        return bool(self.late_decision)

    @property
    def is_admitted(self) -> bool:
        """A received proposal that takes part in the evaluation (a late one only once admitted)."""
        if self.submitted_at is None or self.status in (BidStatus.DECLINED, BidStatus.INVITED):
            return False
        return self.late_decision in ("", LateDecision.ADMITTED)


def proposal_upload_to(instance: "ProposalDocument", filename: str) -> str:
    # The stored name is ours (hash-derived); the original name is kept in a field, never trusted as a path.
    return f"awards/proposals/{instance.bid_id}/{instance.sha256[:2]}/{instance.sha256}"


class ProposalDocument(models.Model):
    """A file of a proposal, pinned by its server-side sha256. Immutable once stored."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=proposal_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveBigIntegerField(editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid", "uploaded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["bid", "sha256"], name="unique_proposal_file_per_bid")]

    def __str__(self) -> str:
        return f"{self.title} ({self.original_name})"
