"""The award procedure (sourcing event), its requirements and its object permissions."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.formats import date_format
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from procurement.models import TimeStampedModel
from vendors.models import OfferingType


class Stage(models.TextChoices):
    DRAFT = "draft", "Draft"
    REQUIREMENTS = "requirements", "Requirements"
    RFP_ISSUED = "rfp_issued", "RFP issued"
    EVALUATION = "evaluation", "Evaluation"
    SHORTLIST = "shortlist", "Shortlist"
    AWARDED = "awarded", "Awarded"
    CANCELLED = "cancelled", "Cancelled"


class Submission(models.TextChoices):
    """How proposals reach Baton (issue 20). Through the portal, bids are sealed: encrypted on arrival with the
    procedure's key and opened together after proposals-due by the witnesses the policy requires. Recorded
    bids arrive outside Baton (post, hand delivery) and the lead stores them; Baton cannot seal those."""

    PORTAL = "portal", "Sealed bids through the bidders' portal"
    RECORDED = "recorded", "Received outside Baton and recorded by the lead"


# The timeline in the order it must run: (field, label, strictly after the previous one?)
TIMELINE_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("rfp_issue_date", "RFP issue date", False),
    ("question_deadline", "Question deadline", True),
    ("proposals_due", "Proposals due", True),
    ("demo_start", "Demo/POV window opens", False),
    ("demo_end", "Demo/POV window closes", False),
    ("target_award_date", "Target award date", False),
)


def _day(value: date) -> str:
    return date_format(value, "j M Y")


class AwardProcedure(TimeStampedModel):
    Stage = Stage

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    need_statement = models.TextField(help_text="The business need in a few paragraphs. Markdown; shown sanitised.")
    business_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       related_name="owned_procedures")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_procedures",
                             verbose_name="procurement lead")
    category = models.CharField(max_length=32, choices=OfferingType.choices)
    estimated_value = models.DecimalField("estimated contract value", max_digits=14, decimal_places=2,
                                          validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code, e.g. EUR, GBP, USD.")
    term_months = models.PositiveSmallIntegerField("term (months)",
                                                   validators=[MinValueValidator(1), MaxValueValidator(360)])
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.DRAFT, editable=False)
    cancel_reason = models.TextField(blank=True, editable=False)
    submission = models.CharField("how proposals are received", max_length=10, choices=Submission.choices,
                                  default=Submission.PORTAL)
    single_source_justification = models.TextField(
        blank=True, help_text="Only when fewer than two vendors can be invited: why this purchase is single-sourced.")
    # Timeline
    rfp_issue_date = models.DateField("RFP issue date", null=True, blank=True)
    question_deadline = models.DateField(null=True, blank=True,
                                         help_text="Last day on which bidders' questions are accepted.")
    proposals_due = models.DateField(null=True, blank=True, help_text="Last day on which proposals are accepted.")
    # issue 21: a deadline with a time and a zone. Empty time: the end of the proposals-due day (as before);
    # empty zone: settings.TIME_ZONE. awards.selectors.timeline.proposals_deadline is the one reading of them.
    proposals_due_time = models.TimeField("proposals due by (time)", null=True, blank=True)
    time_zone = models.CharField("deadline time zone", max_length=64, blank=True, default="")
    demo_start = models.DateField("demo/POV window opens", null=True, blank=True)
    demo_end = models.DateField("demo/POV window closes", null=True, blank=True)
    target_award_date = models.DateField(null=True, blank=True)
    # issue 21: the policy versions this procedure started under ({table key: version}: procurement.policy_tables)
    # and what it was set up from ("Template “…” v3" or "Copied from AP-2026-0004"), both fixed at creation.
    policy_versions = models.JSONField(default=dict, blank=True, editable=False)
    set_up_from = models.CharField(max_length=200, blank=True, default="", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["stage"]), models.Index(fields=["category"])]
        permissions = [("evaluate_awardprocedure", "Evaluate the bids of this award procedure")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("awards:procedure_detail", args=[self.reference])

    def clean(self):
        super().clean()
        if self.currency:
            self.currency = self.currency.upper()
            if not (len(self.currency) == 3 and self.currency.isalpha()):
                raise ValidationError({"currency": "Use a three-letter currency code such as EUR."})
        self.validate_timeline()

    def validate_timeline(self) -> None:
        """Each date that is set must come after the dates set before it, with the message next to the field."""
        errors: dict[str, str] = {}
        previous: tuple[str, date] | None = None
        for field, label, strict in TIMELINE_FIELDS:
            value = getattr(self, field)
            if value is None:
                continue
            if previous is not None:
                prev_label, prev_value = previous
                if value < prev_value or (strict and value == prev_value):
                    word = "after" if strict else "on or after"
                    errors[field] = f"{label} must be {word} the {prev_label.lower()} ({_day(prev_value)})."
            previous = (label, value)
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.stage not in (Stage.AWARDED, Stage.CANCELLED)

    @property
    def timeline_complete(self) -> bool:
        return all(getattr(self, field) is not None for field, _, _ in TIMELINE_FIELDS)

    def missing_timeline_labels(self) -> list[str]:
        return [label for field, label, _ in TIMELINE_FIELDS if getattr(self, field) is None]


class AwardProcedureUserObjectPermission(UserObjectPermissionBase):
    """guardian: a user's permission on one procedure (direct foreign key, not a generic relation)."""

    content_object = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE)
    history = HistoricalRecords()


class AwardProcedureGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE)
    history = HistoricalRecords()


class Requirement(TimeStampedModel):
    """What the business needs, prioritised MoSCoW-style and agreed by the business owner.

    Criteria of the scorecard point at requirements (the link lives on the criterion side).
    """

    class Priority(models.TextChoices):
        MUST = "must", "Must"
        SHOULD = "should", "Should"
        COULD = "could", "Could"

    procedure = models.ForeignKey(AwardProcedure, on_delete=models.CASCADE, related_name="requirements")
    code = models.CharField(max_length=12, editable=False, help_text="R1, R2 … within the procedure.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown; shown sanitised.")
    priority = models.CharField(max_length=8, choices=Priority.choices)
    agreed_at = models.DateTimeField(null=True, blank=True, editable=False)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure", "pk"]
        constraints = [models.UniqueConstraint(fields=["procedure", "code"], name="unique_requirement_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_agreed(self) -> bool:
        return self.agreed_at is not None
