"""The Q&A log of the RFP window: bidders' questions, answers and their anonymised publication."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from awards.models.procedure import AwardProcedure
from procurement.models import TimeStampedModel


class Question(TimeStampedModel):
    procedure = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveIntegerField(editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="questions",
                            help_text="The bidder who asked. Never shown in what is published.")
    text = models.TextField("question as received")
    public_text = models.TextField("question as published", blank=True,
                                   help_text="The wording sent to all bidders; remove anything that names the "
                                             "asker. Left empty, the question is published as received.")
    received_at = models.DateTimeField(editable=False)
    late = models.BooleanField(default=False, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure", "number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="unique_question_number")]

    def __str__(self) -> str:
        return f"Q{self.number} ({self.procedure.reference})"

    @property
    def published_question(self) -> str:
        return self.public_text.strip() or self.text

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
