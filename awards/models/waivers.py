"""Waivers: the one way an award procedure proceeds against a rule that an organisation may set aside.

Where Baton would otherwise refuse (signing the contract before the standstill ends, approving with incomplete due
diligence or an unaccepted residual risk, admitting a late bid, changing the timeline after the RFP is issued), the
step goes ahead only once a waiver of that kind is recorded for the procedure: a reason, the person who recorded
it (at the level the policy names, awards.policies.WaiverPolicy) and the person it benefits (never the same).
A waiver is a record of a decision: it is written once and never edited; its history row carries the reason.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from awards.models.procedure import AwardProcedure

MIN_REASON_LENGTH = 20


class WaiverKind(models.TextChoices):
    STANDSTILL = "standstill", "Signing before the standstill period ends"
    DUE_DILIGENCE = "due_diligence", "Approval with incomplete due diligence"
    RESIDUAL_RISK = "residual_risk", "Approval with an unaccepted residual risk"
    LATE_BID = "late_bid", "Admission of a late bid"
    TIMELINE_CHANGE = "timeline_change", "Timeline change after the RFP was issued"
    SHORT_RESPONSE = "short_response", "A response period or Q&A window shorter than the tier's minimum"


class Waiver(models.Model):
    Kind = WaiverKind

    procedure = models.ForeignKey(AwardProcedure, on_delete=models.PROTECT, related_name="waivers")
    kind = models.CharField(max_length=20, choices=WaiverKind.choices)
    subject = models.CharField(max_length=200, blank=True,
                               help_text="What exactly is waived, e.g. a contract reference or a risk's title.")
    reason = models.TextField(help_text="Why the organisation proceeds anyway.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    beneficiary = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", help_text="Who may proceed because of this waiver.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure", "recorded_at", "pk"]
        indexes = [models.Index(fields=["procedure", "kind"], name="awards_waiver_proc_kind")]

    def __str__(self) -> str:
        what = f" ({self.subject})" if self.subject else ""
        return f"Waiver: {self.get_kind_display()}{what} — {self.procedure.reference}"

    def sentence(self) -> str:
        """How the waiver reads in a notice, a history reason or a PDF."""
        who = self.recorded_by.get_full_name() or self.recorded_by.get_username()
        return f"{self.get_kind_display()} waived by {who} on {self.recorded_at:%d %b %Y}: {self.reason}"
