"""The negotiation kickoff: who attends, what the team aims for, and what was decided."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from contracts.models.contract import Contract, TeamRole
from procurement.models import TimeStampedModel


class Kickoff(TimeStampedModel):
    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="kickoff")
    meeting_date = models.DateField(null=True, blank=True)
    goals = models.TextField(blank=True, help_text="What we want out of this negotiation. Markdown.")
    known_risks = models.TextField(blank=True, help_text="Risks the team should keep in mind. Markdown.")
    operational_realities = models.TextField(
        blank=True, help_text="How the service will really be run and measured day to day. Markdown.")
    timeline = models.TextField("negotiation timeline", blank=True, help_text="Key negotiation dates. Markdown.")
    walk_away_conditions = models.TextField(blank=True, help_text="When we stop negotiating. Markdown.")
    minutes = models.TextField(blank=True, help_text="Recorded after the meeting. Markdown.")
    held_at = models.DateTimeField(null=True, blank=True, editable=False)
    held_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", editable=False)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Kickoff of {self.contract.reference}"

    @property
    def is_held(self) -> bool:
        return self.held_at is not None


class KickoffAttendee(TimeStampedModel):
    kickoff = models.ForeignKey(Kickoff, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("role at the kickoff", max_length=24, choices=TeamRole.choices + [("other", "Other")])
    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "pk"]
        constraints = [models.UniqueConstraint(fields=["kickoff", "user"], name="unique_kickoff_attendee")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class KickoffAction(TimeStampedModel):
    kickoff = models.ForeignKey(Kickoff, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    done = models.BooleanField(default=False, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["done", "due_date", "pk"]

    def __str__(self) -> str:
        return self.description
