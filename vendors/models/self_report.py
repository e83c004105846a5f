"""What a vendor's own contact tells Baton through the bidders' portal (issue 20): the answers to the tiering
questions. Internal people decide what to do with them: a lead adopts them (the tier is then assessed from them
by vendors.services.tiering.tier_assess, with the self-report named in the reason) or sets them aside with a
reason. Evidence uploaded through the portal is an ordinary vendors.Evidence row with source "vendor
self-reported" and the contact's user as uploader."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from procurement.models import TimeStampedModel
from vendors.models.registry import TierAssessment, Vendor


class TieringSelfReport(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        ADOPTED = "adopted", "Adopted for the tiering"
        SET_ASIDE = "set_aside", "Set aside"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="tiering_self_reports")
    answers = models.JSONField(help_text="The tiering questionnaire's answers (codes), as the vendor gave them.")
    comment = models.TextField(blank=True, help_text="Anything the vendor wants the reviewer to know.")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     editable=False)
    submitted_at = models.DateTimeField(editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_reason = models.TextField(blank=True, editable=False)
    assessment = models.ForeignKey(TierAssessment, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False,
                                   help_text="The tier assessment made from these answers, once adopted.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"Tiering answers from {self.vendor} ({self.submitted_at:%Y-%m-%d})"
