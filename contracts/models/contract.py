"""The contract opened from an award, its team and its object permissions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from procurement.models import TimeStampedModel


class ContractStatus(models.TextChoices):
    NEGOTIATING = "negotiating", "Negotiating"
    SIGNED = "signed", "Signed"
    ACTIVE = "active", "Active"
    EXITING = "exiting", "Exiting"
    CLOSED = "closed", "Closed"


class PaymentModel(models.TextChoices):
    FIXED = "fixed", "Fixed price"
    PER_SEAT = "per_seat", "Per seat"
    USAGE = "usage", "Usage-based"


class PaymentSchedule(models.TextChoices):
    MILESTONE = "milestone", "At milestones"
    PERIODIC = "periodic", "Periodic (monthly or quarterly invoices)"


class TeamRole(models.TextChoices):
    """The seats of a contract team (also the parties of the RACI matrix)."""

    NEGOTIATION_LEAD = "negotiation_lead", "Negotiation lead"
    LEGAL_COUNSEL = "legal_counsel", "Legal counsel"
    POST_AWARD_MANAGER = "post_award_manager", "Post-award contract manager"
    SECURITY_REVIEWER = "security_reviewer", "Security and privacy reviewer"
    BUSINESS_OWNER = "business_owner", "Business owner"


TEAM_FIELDS = tuple(TeamRole.values)


class Contract(TimeStampedModel):
    Status = ContractStatus

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="contracts")
    procedure = models.ForeignKey("awards.AwardProcedure", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="contracts", editable=False)
    memo = models.ForeignKey("awards.DecisionMemo", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="contracts", editable=False,
                             help_text="The approved decision memo the contract was opened from.")
    bid = models.ForeignKey("awards.Bid", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                            editable=False)
    value = models.DecimalField("contract value", max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR", help_text="Three-letter code such as EUR.")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    renewal = models.CharField("renewal terms", max_length=200, blank=True,
                               help_text="For example: renews for 12 months unless either side gives notice.")
    notice_period_days = models.PositiveIntegerField(
        "notice period (days)", default=90, help_text="Days of notice needed before the end date to stop renewal.")
    status = models.CharField(max_length=12, choices=ContractStatus.choices, default=ContractStatus.NEGOTIATING,
                              editable=False)
    # Post-award commercial terms (issue 9).
    payment_model = models.CharField(max_length=12, choices=PaymentModel.choices, default=PaymentModel.FIXED)
    payment_schedule = models.CharField(max_length=12, choices=PaymentSchedule.choices,
                                        default=PaymentSchedule.MILESTONE)
    payment_terms_days = models.PositiveIntegerField(
        "payment terms (days)", default=30, help_text="Days we have to pay an invoice after receiving it.")
    spend_cap = models.DecimalField(
        "usage spend cap", max_digits=14, decimal_places=2, null=True, blank=True,
        help_text="For usage-based pricing: the most we agreed to spend over the term.")
    incident_notice_hours = models.PositiveIntegerField(
        "incident notification time (hours)", default=24,
        help_text="How soon after detecting an incident the vendor must tell us, as contracted.")
    negotiation_lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    legal_counsel = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    post_award_manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                           blank=True, related_name="+",
                                           verbose_name="post-award contract manager")
    security_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="+", verbose_name="security/privacy reviewer")
    business_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    # issue 21: the policy versions this contract started under ({table key: version}: procurement.policy_tables).
    policy_versions = models.JSONField(default=dict, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "pk"]
        permissions = [("negotiate_contract", "Work on the negotiation of this contract")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", args=[self.reference])

    def clean(self):
        errors = {}
        if self.currency:
            self.currency = self.currency.upper()
            if not (len(self.currency) == 3 and self.currency.isalpha()):
                errors["currency"] = "Use a three-letter currency code such as EUR."
        if self.value is not None and self.value < 0:
            errors["value"] = "The value cannot be negative."
        if self.payment_model == PaymentModel.USAGE and self.spend_cap is not None and self.spend_cap <= 0:
            errors["spend_cap"] = "The spend cap must be more than zero."
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            errors["end_date"] = "The end date must be after the start date."
        if errors:
            raise ValidationError(errors)

    def team(self) -> list[tuple[str, str, object]]:
        """[(role key, role label, user or None)] in seat order."""
        return [(role.value, role.label, getattr(self, role.value)) for role in TeamRole]

    def team_user_ids(self) -> set[int]:
        return {getattr(self, f"{name}_id") for name in TEAM_FIELDS if getattr(self, f"{name}_id")}

    @property
    def notice_date(self):
        from datetime import timedelta

        if self.end_date is None:
            return None
        return self.end_date - timedelta(days=self.notice_period_days or 0)


class ContractUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="user_grants")
    history = HistoricalRecords()


class ContractGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="group_grants")
    history = HistoricalRecords()
