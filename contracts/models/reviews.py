"""Periodic check-ins: one team's review of how the contract is going, with answers and agreed actions."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from contracts.models.contract import Contract
from procurement.models import TimeStampedModel


class ReviewTeam(models.TextChoices):
    PROCUREMENT = "procurement", "Procurement"
    BUYING = "buying", "Buying department"
    IT_DATA = "it_data", "IT and data"


class CheckIn(TimeStampedModel):
    Team = ReviewTeam

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="checkins")
    team = models.CharField(max_length=12, choices=ReviewTeam.choices)
    held_on = models.DateField()
    answers = models.JSONField(default=dict, editable=False, help_text="{question key: answer}")
    actions = models.TextField("actions agreed", blank=True, help_text="One action per line, with its owner.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = "check-in"

    def __str__(self) -> str:
        return f"{self.get_team_display()} check-in of {self.held_on}"

    def answered(self) -> list[tuple[str, str, str]]:
        """[(topic, question, answer)] in the order of the team's template (answers to retired questions last)."""
        from contracts.checkins import questions_for

        asked = questions_for(self.contract, self.team)  # the template version the contract was opened under
        rows = [(topic, text, self.answers.get(key, "")) for key, topic, text in asked if key in self.answers]
        known = {key for key, _, _ in asked}
        return rows + [("", key, answer) for key, answer in self.answers.items() if key not in known]

    @property
    def action_lines(self) -> list[str]:
        return [line.strip(" -*\t") for line in self.actions.splitlines() if line.strip(" -*\t")]
