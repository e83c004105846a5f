"""Procedure set-up templates (issue 21): a whole procedure's set-up saved to start others from.

``definition`` is JSON: {"procedure": {"category", "currency", "term_months", "submission", "need_statement"},
"timeline": {"question_deadline": days after the RFP issue date, ...}, "requirements": [{"title",
"description", "priority"}], "scorecard": <a ScorecardTemplate definition>}. Like a scorecard template it is
versioned: a change raises `version`, the history keeps every earlier definition, and a procedure records the
template and version it was set up from (AwardProcedure.set_up_from).
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from procurement.models import TimeStampedModel


class ProcedureTemplate(TimeStampedModel):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    definition = models.JSONField()
    version = models.PositiveIntegerField(default=1, editable=False)
    active = models.BooleanField(default=True)
    source_reference = models.CharField(max_length=20, blank=True, default="", editable=False,
                                        help_text="The procedure this template was saved from, if any.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"
