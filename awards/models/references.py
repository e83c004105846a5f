"""Reference checks of a bid, vendor-supplied or sourced independently by us."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from procurement.models import TimeStampedModel


class ReferenceCheck(TimeStampedModel):
    class Source(models.TextChoices):
        VENDOR_SUPPLIED = "vendor_supplied", "Supplied by the vendor"
        INDEPENDENT = "independent", "Sourced independently"

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="reference_checks")
    source = models.CharField(max_length=16, choices=Source.choices)
    organisation = models.CharField(max_length=200)
    contact_role = models.CharField(max_length=120, blank=True, help_text="Role of the person spoken to (no names "
                                                                            "needed).")
    checked_on = models.DateField("date of the check")
    findings = models.TextField(help_text="What the reference said. Markdown; shown sanitised.")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)],
                                              help_text="1 (poor) to 5 (excellent).")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["bid", "checked_on", "pk"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_source_display()})"
