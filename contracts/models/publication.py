"""The organisation's decision to publish an award procedure as open contracting data (OCDS), or to withdraw it.

One row per procedure that was ever published: its current state, the reason and the person of the latest
decision. Every decision (publish, withdraw, publish again) is a history row carrying the actor and the reason.
Only a procurement lead decides (contracts.ocds.policies); the services are in contracts.services.publication.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from procurement.models import TimeStampedModel


class PublicationStatus(models.TextChoices):
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Publication(TimeStampedModel):
    Status = PublicationStatus

    procedure = models.OneToOneField("awards.AwardProcedure", on_delete=models.PROTECT,
                                     related_name="ocds_publication", editable=False)
    status = models.CharField(max_length=10, choices=PublicationStatus.choices, editable=False)
    reason = models.TextField(help_text="Why the organisation publishes (or withdraws) this procedure's data.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    decided_at = models.DateTimeField(editable=False)
    first_published_at = models.DateTimeField(editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(status__in=PublicationStatus.values),
                                              name="ocds_publication_status_known")]

    def __str__(self) -> str:
        return f"OCDS publication of {self.procedure.reference} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("contracts:ocds_list")

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED
