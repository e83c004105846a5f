"""The approval policy (an admin-editable matrix) and the routes and sign-offs of decision memos.

- Committee: who approves (members) and how many of them must approve (quorum).
- ApprovalRule: one cell of the matrix — a contract value band x a set of vendor tiers -> committees. The
  rules are seeded by a data migration and edited in the admin; awards.approval_policy picks the rule.
- ApprovalRoute: the committees one submitted memo version must pass, frozen at submission with the rule that
  applied. At most one route per memo is open at a time (a partial unique constraint).
- RouteStep: one committee on a route, with the quorum and the members copied at submission from the committees
  version the procedure pinned: the members are the only people whose signature can count for the step.
- SignOff: one member's decision for one committee on a route, bound to the content hash they saw.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from procurement.models import TimeStampedModel

TIER_CHOICES = (("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical"))


class Committee(TimeStampedModel):
    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    quorum = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)],
                                              help_text="How many members must approve.")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="approval_committees")
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class ApprovalRule(TimeStampedModel):
    """A row of the approval matrix. Rules are tried in `position` order; the first that matches applies."""

    name = models.CharField(max_length=160)
    position = models.PositiveSmallIntegerField(default=0)
    min_value = models.DecimalField("from contract value (inclusive)", max_digits=14, decimal_places=2,
                                    default=0, validators=[MinValueValidator(0)])
    max_value = models.DecimalField("up to contract value (exclusive)", max_digits=14, decimal_places=2,
                                    null=True, blank=True, help_text="Empty: no upper limit.")
    currency = models.CharField(max_length=3, blank=True, default="",
                                help_text="ISO 4217 code the band's limits are in; empty: the base currency.")
    tiers = models.JSONField(default=list, help_text='Vendor tiers this rule covers, e.g. ["low", "medium"]. '
                                                     'An untiered vendor counts as critical.')
    committees = models.ManyToManyField(Committee, related_name="rules")
    active = models.BooleanField(default=True)
    history = HistoricalRecords(m2m_fields=[committees])

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        known = {code for code, _ in TIER_CHOICES}
        if not isinstance(self.tiers, list) or not self.tiers or set(self.tiers) - known:
            raise ValidationError({"tiers": "List one or more of: low, medium, high, critical."})
        if self.max_value is not None and self.max_value <= self.min_value:
            raise ValidationError({"max_value": "The upper limit must be above the lower limit."})


class RouteStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Changes requested"
    VOID = "void", "Voided by an edit"


class ApprovalRoute(TimeStampedModel):
    Status = RouteStatus

    memo = models.ForeignKey("awards.DecisionMemo", on_delete=models.PROTECT, related_name="routes")
    version = models.OneToOneField("awards.MemoVersion", on_delete=models.PROTECT, related_name="route")
    rule = models.ForeignKey(ApprovalRule, on_delete=models.PROTECT, null=True, related_name="routes")
    rule_name = models.CharField(max_length=160, help_text="The rule as it read at submission.")
    rule_explanation = models.CharField(max_length=500)
    contract_value = models.DecimalField(max_digits=14, decimal_places=2,
                                         help_text="In the procedure's currency (`currency`).")
    # The conversion the route was chosen by, frozen at submission (procurement.money): the contract value in
    # `currency` times `exchange_rate` (base-currency units per unit, the rate applying from `rate_date`) gives
    # `base_value`, which the approval bands are compared with. In the base currency the rate is 1 and the
    # date empty. Routes opened before currencies were converted carry none of them.
    currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    rate_date = models.DateField(null=True, blank=True, help_text="The day the rate used applies from.")
    base_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True,
                                     help_text="The contract value in the base currency.")
    vendor_tier = models.CharField(max_length=16)
    status = models.CharField(max_length=12, choices=RouteStatus.choices, default=RouteStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["memo"], condition=models.Q(status="open"),
                                               name="one_open_route_per_memo")]

    def __str__(self) -> str:
        return f"Route of {self.version}"


class RouteStep(models.Model):
    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="steps")
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="steps")
    committee_name = models.CharField(max_length=120)
    quorum = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="route_seats",
        help_text="Who sat on the committee in the committees version the procedure pinned, copied when the "
                  "route opened: the only people whose signature counts for this step.")
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["route", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["route", "committee"], name="one_step_per_committee")]

    def __str__(self) -> str:
        return f"{self.committee_name} (quorum {self.quorum})"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REQUEST_CHANGES = "request_changes", "Request changes"


class SignOff(models.Model):
    Decision = Decision

    class StepUp(models.TextChoices):
        PASSWORD = "password", "Password re-entered"
        PASSKEY = "passkey", "Passkey signature"

    route = models.ForeignKey(ApprovalRoute, on_delete=models.PROTECT, related_name="signoffs")
    step = models.ForeignKey(RouteStep, on_delete=models.PROTECT, related_name="signoffs")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memo_signoffs")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    comment = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, help_text="sha256 of the memo version the signer approved.")
    signed_at = models.DateTimeField()
    step_up = models.CharField(max_length=16, choices=StepUp.choices, default=StepUp.PASSWORD,
                               help_text="How the signer confirmed it was them when signing.")
    passkey = models.ForeignKey("passkeys.Passkey", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="signoffs", help_text="The passkey that signed (passkey step-up).")
    history = HistoricalRecords()

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["step", "signer"], name="one_signoff_per_member_and_step")]

    def __str__(self) -> str:
        return f"{self.signer} {self.get_decision_display()} ({self.step.committee_name})"
