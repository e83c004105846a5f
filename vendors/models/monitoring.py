"""Keeping a vendor's evidence and tier current after selection: follow-up tasks (refresh an attestation,
reassess the tier, collect a due-diligence item) and the reassessment triggers recorded against a vendor."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from procurement.models import TimeStampedModel
from vendors.models.registry import Attestation, Tier, TierAssessment, Vendor

__all__ = ["ReassessmentTrigger", "VendorTask"]


class ReassessmentTrigger(models.Model):
    """Something changed at the vendor that calls the tier into question. Recording one re-runs the tier rules
    at once (on the latest answers plus the changes recorded here); never edited afterwards."""

    class Kind(models.TextChoices):
        MODEL_SWAP = "model_swap", "Model swapped or retrained"
        NEW_SUBPROCESSOR = "new_subprocessor", "New subprocessor"
        SECURITY_INCIDENT = "security_incident", "Security incident"
        DATA_CHANGE = "data_change", "Change in the data processed"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="reassessment_triggers")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    occurred_on = models.DateField(help_text="When the change happened or came to light.")
    description = models.TextField(help_text="What changed, in a few sentences.")
    answer_changes = models.JSONField(default=dict, blank=True,
                                      help_text="Questionnaire answers changed by the trigger: {question: [old, new]}.")
    tier_before = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    tier_after = models.CharField(max_length=16, choices=Tier.choices)
    assessment = models.OneToOneField(TierAssessment, on_delete=models.PROTECT, related_name="trigger")
    outcome = models.TextField(blank=True, help_text="What the reassessment did (items opened or kept).")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.get_kind_display()} on {self.occurred_on}"

    @property
    def change_lines(self) -> list[str]:
        """The answer changes in words: "Data sensitivity: Personal data → Special-category personal data"."""
        from vendors.tiering import QUESTIONS_BY_CODE

        lines = []
        for code, (old, new) in (self.answer_changes or {}).items():
            question = QUESTIONS_BY_CODE.get(code)
            if question is None:
                lines.append(f"{code}: {old} → {new}")
                continue
            answers = dict(question.answers)
            lines.append(f"{question.label}: {answers.get(old, old or 'not answered')} → {answers.get(new, new)}")
        return lines

    @property
    def direction(self) -> str:
        from vendors.models.registry import TIER_ORDER

        if not self.tier_before:
            return "set"
        before, after = TIER_ORDER[self.tier_before], TIER_ORDER[self.tier_after]
        return "rose" if after > before else "fell" if after < before else "unchanged"


class VendorTask(TimeStampedModel):
    """A follow-up someone owes on a vendor: refresh an attestation, reassess the tier, or collect a
    due-diligence item the tier now requires. Opened by the daily checks or a trigger; closed when the thing is
    done (a new attestation, a new assessment, the item satisfied) or by a lead with a reason."""

    class Kind(models.TextChoices):
        ATTESTATION_REFRESH = "attestation_refresh", "Refresh an attestation"
        REASSESSMENT = "reassessment", "Reassess the tier"
        DD_ITEM = "dd_item", "Collect a due-diligence item"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CLOSED = "closed", "Closed without completion"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    attestation = models.ForeignKey(Attestation, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="refresh_tasks")
    item_code = models.CharField(max_length=40, blank=True,
                                 help_text="For a due-diligence item: the evidence kind (or “references”).")
    trigger = models.ForeignKey(ReassessmentTrigger, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="tasks")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vendor_tasks")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, editable=False)
    opened_reason = models.CharField(max_length=300)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    close_reason = models.CharField(max_length=300, blank=True)
    closed_by_attestation = models.ForeignKey(Attestation, on_delete=models.PROTECT, null=True, blank=True,
                                              related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "due_on", "pk"]
        indexes = [models.Index(fields=["vendor", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["attestation"], condition=Q(status="open", kind="attestation_refresh"),
                                    name="one_open_refresh_per_attestation"),
            models.UniqueConstraint(fields=["vendor"], condition=Q(status="open", kind="reassessment"),
                                    name="one_open_reassessment_per_vendor"),
            models.UniqueConstraint(fields=["vendor", "item_code"], condition=Q(status="open", kind="dd_item"),
                                    name="one_open_dd_item_per_vendor"),
            models.CheckConstraint(condition=~Q(kind="attestation_refresh") | Q(attestation__isnull=False),
                                   name="refresh_task_names_attestation"),
            models.CheckConstraint(condition=~Q(kind="dd_item") | ~Q(item_code=""),
                                   name="dd_task_names_item"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue_on(self, on) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < on
