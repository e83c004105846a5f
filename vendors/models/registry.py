"""The vendor registry. Tiering, due diligence, evidence, attestations and risks build on Vendor."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from procurement.models import TimeStampedModel


class Tier(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


TIER_ORDER = {Tier.LOW: 0, Tier.MEDIUM: 1, Tier.HIGH: 2, Tier.CRITICAL: 3}


class OfferingType(models.TextChoices):
    FOUNDATION_MODEL_API = "foundation_model_api", "Foundation-model API"
    AI_SAAS = "ai_saas", "AI SaaS tool"
    AI_INFRASTRUCTURE = "ai_infrastructure", "AI infrastructure"
    AI_CONSULTING = "ai_consulting", "AI consulting"


class AiActRole(models.TextChoices):
    PROVIDER = "provider", "Provider"
    DEPLOYER = "deployer", "Deployer"
    IMPORTER_DISTRIBUTOR = "importer_distributor", "Importer / distributor"
    GPAI_PROVIDER = "gpai_provider", "General-purpose AI model provider"


class DataCategory(models.TextChoices):
    NONE = "none", "No personal or confidential data"
    BUSINESS_CONFIDENTIAL = "business_confidential", "Business-confidential data"
    PERSONAL = "personal", "Personal data"
    SPECIAL_CATEGORY = "special_category", "Special-category personal data"
    CUSTOMER_CONTENT = "customer_content", "Customer content and conversations"
    SOURCE_CODE = "source_code", "Source code"
    FINANCIAL = "financial", "Financial data"


class Vendor(TimeStampedModel):
    class Status(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        ACTIVE = "active", "Active"
        EXITING = "exiting", "Exiting"
        EXITED = "exited", "Exited"

    legal_name = models.CharField(max_length=200, unique=True)
    trading_name = models.CharField(max_length=200, blank=True)
    website = models.URLField(blank=True)
    country = CountryField(help_text="The country of the contracting entity.")
    offering_type = models.CharField(max_length=32, choices=OfferingType.choices)
    ai_act_role = models.CharField("EU AI Act role", max_length=32, choices=AiActRole.choices)
    data_categories = models.JSONField(default=list, blank=True,
                                       help_text="Which kinds of our data the vendor would process.")
    description = models.TextField(blank=True, help_text="What the vendor offers and why we are looking at it. "
                                   "Markdown; shown sanitised.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROSPECT)
    # The tier in force: set only by the tiering services (from the latest assessment or an override).
    tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    tier_overridden = models.BooleanField(default=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_vendors",
                              help_text="The procurement lead responsible for this vendor.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name"]
        indexes = [models.Index(fields=["tier", "status"]), models.Index(fields=["offering_type"])]

    @property
    def data_category_labels(self) -> list[str]:
        return [DataCategory(code).label if code in DataCategory.values else code for code in self.data_categories]

    def clean(self):
        unknown = [c for c in (self.data_categories or []) if c not in DataCategory.values]
        if unknown:
            raise ValidationError({"data_categories": f"Unknown data categories: {', '.join(map(str, unknown))}."})
        if self.country:  # the field's choices (django-countries) check the code; imports may send it lower-case
            self.country = str(self.country.code if hasattr(self.country, "code") else self.country).upper()

    def __str__(self) -> str:
        return self.trading_name or self.legal_name

    def get_absolute_url(self) -> str:
        return reverse("vendors:detail", args=[self.pk])


# --- people and parties around a vendor -------------------------------------------------------------------


class VendorContact(TimeStampedModel):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField("Role at the vendor", max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # The contact's portal sign-in (issue 20), set when they accept an invitation; a bidder user, never staff.
    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="vendor_contact", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


class Subprocessor(TimeStampedModel):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="subprocessors")
    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=300, help_text="What the subprocessor does with our data.")
    location = models.CharField(max_length=120, help_text="Where it processes the data (country or region).")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["vendor", "name"], name="unique_subprocessor_per_vendor")]

    def __str__(self) -> str:
        return f"{self.name} — {self.location}"


class VendorUserObjectPermission(UserObjectPermissionBase):
    """A user granted a permission (in practice view_vendor) on one vendor."""

    content_object = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="user_grants")
    history = HistoricalRecords()


class VendorGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="group_grants")
    history = HistoricalRecords()


# --- tiering ----------------------------------------------------------------------------------------------


class TierAssessment(models.Model):
    """One tiering decision: either the questionnaire's outcome or a manual override. Never edited; the
    newest row for a vendor is the tier in force (Vendor.tier / tier_overridden mirror it)."""

    class Kind(models.TextChoices):
        QUESTIONNAIRE = "questionnaire", "Questionnaire"
        OVERRIDE = "override", "Manual override"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="tier_assessments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    answers = models.JSONField(default=dict, blank=True, help_text="The questionnaire answers (codes).")
    computed_tier = models.CharField(max_length=16, choices=Tier.choices, blank=True,
                                     help_text="What the rule table said (empty for an override).")
    tier = models.CharField(max_length=16, choices=Tier.choices)
    reasons = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True, help_text="Why (required for an override).")
    # issue 21: the version of the tiering rule table the questionnaire was assessed under.
    rules_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at", "-pk"]
        get_latest_by = ["assessed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.get_tier_display()} ({self.get_kind_display()})"

    @property
    def is_override(self) -> bool:
        return self.kind == self.Kind.OVERRIDE

    @property
    def explanation(self) -> str:
        if self.is_override:
            return f"{self.get_tier_display()} by manual override: {self.reason}"
        return f"{self.get_tier_display()} because: " + "; ".join(self.reasons)


# --- due-diligence plan -----------------------------------------------------------------------------------


class EvidenceKind(models.TextChoices):
    SECURITY_QUESTIONNAIRE = "security_questionnaire", "Security questionnaire"
    AI_MODEL_DOCUMENTATION = "ai_model_documentation", "AI questionnaire: model documentation"
    AI_TRAINING_DATA = "ai_training_data", "AI questionnaire: training-data provenance"
    AI_EVALUATION_RESULTS = "ai_evaluation_results", "AI questionnaire: evaluation results"
    SECURITY_CERTIFICATION = "security_certification", "ISO/IEC 27001 certificate or SOC 2 Type II report"
    ISO_42001 = "iso_42001", "ISO/IEC 42001 certificate"
    PENTEST_SUMMARY = "pentest_summary", "Penetration-test summary"
    INDEPENDENT_EVALUATION = "independent_evaluation", "Independent technical evaluation (red team, bias)"
    LIVE_ASSESSMENT = "live_assessment", "Live or on-site assessment"
    FINANCIAL_STABILITY = "financial_stability", "Financial stability"
    INSURANCE = "insurance", "Insurance certificate"
    DPA = "dpa", "Data processing agreement"
    REFERENCE = "reference", "Customer reference"
    OTHER = "other", "Other"


# Evidence kinds whose very name says someone other than the vendor produced them: a vendor's own "independent
# evaluation" or its own account of a "live assessment" is a contradiction, so the checklist never counts
# self-reported evidence of these kinds, whatever the plan row says.
ALWAYS_INDEPENDENT_KINDS = frozenset({"independent_evaluation", "live_assessment"})

# Evidence kinds that the plan can require (a reference is counted, not required by kind).
REQUIRABLE_KINDS = tuple(k for k in EvidenceKind.values if k not in {EvidenceKind.REFERENCE, EvidenceKind.OTHER})


class DueDiligencePlan(models.Model):
    """How deep due diligence goes for one tier. Admin-editable; seeded by migration 0003."""

    tier = models.CharField(max_length=16, choices=Tier.choices, unique=True)
    references_required = models.PositiveSmallIntegerField(default=0)
    independent_references_required = models.PositiveSmallIntegerField(
        default=0, help_text="How many of the references we must have found ourselves, not via the vendor.")
    pov_required = models.BooleanField("POV mandatory", default=False,
                                       help_text="A proof of value must be run in the award procedure.")
    attestation_refresh_months = models.PositiveSmallIntegerField(
        default=12, help_text="How often attestations and certificates must be re-collected for this tier.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["tier"]

    def __str__(self) -> str:
        return f"Due-diligence plan: {self.get_tier_display()}"

    def clean(self):
        if self.independent_references_required > self.references_required:
            raise ValidationError({"independent_references_required":
                                   "Cannot exceed the number of references required."})


class DueDiligenceRequirement(models.Model):
    plan = models.ForeignKey(DueDiligencePlan, on_delete=models.CASCADE, related_name="requirements")
    evidence_kind = models.CharField(max_length=40, choices=[(k, EvidenceKind(k).label) for k in REQUIRABLE_KINDS])
    guidance = models.CharField(max_length=300, blank=True, help_text="What acceptable evidence looks like.")
    independent_evidence_required = models.BooleanField(
        default=False,
        help_text="Tick when the vendor's own word is not enough for this item: only evidence from an independent "
                  "party, a third-party attestation or our own test satisfies it, never self-reported evidence. "
                  "Independent evaluations and live assessments always need it.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "evidence_kind"]
        constraints = [models.UniqueConstraint(fields=["plan", "evidence_kind"], name="unique_requirement_per_plan")]

    def __str__(self) -> str:
        return f"{self.plan.get_tier_display()}: {self.get_evidence_kind_display()}"

    @property
    def needs_independent_evidence(self) -> bool:
        """The row's flag, or a kind that is independent by definition."""
        return self.independent_evidence_required or self.evidence_kind in ALWAYS_INDEPENDENT_KINDS


# --- evidence ---------------------------------------------------------------------------------------------


def evidence_upload_to(instance, filename: str) -> str:  # pragma: no cover - services name files themselves
    return f"evidence/{filename}"


# Everything about a stored evidence file and what it claims; only the review fields change after upload.
EVIDENCE_IMMUTABLE_FIELDS = ("vendor_id", "kind", "title", "file", "original_name", "sha256", "size", "content_type",
                             "source", "effective_date", "valid_until", "uploaded_at", "uploaded_by_id",
                             "supersedes_id")


class Evidence(models.Model):
    """An uploaded file. Immutable once stored: a new version is a new row that `supersedes` the old one.
    Only the review fields change after upload."""

    class Source(models.TextChoices):
        SELF_REPORTED = "self_reported", "Vendor self-reported"
        INDEPENDENT = "independent", "Independent"
        THIRD_PARTY_ATTESTATION = "third_party_attestation", "Third-party attestation"
        BUYER_TEST = "buyer_test", "Our own test"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        GAPS_NOTED = "gaps_noted", "Gaps noted"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=40, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=evidence_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)
    source = models.CharField(max_length=32, choices=Source.choices)
    effective_date = models.DateField(help_text="The date the evidence speaks for (e.g. the report date).")
    valid_until = models.DateField(null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by")
    review_outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["vendor", "kind"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        touches_immutable = update_fields is None or {f.removesuffix("_id") for f in update_fields} & {
            f.removesuffix("_id") for f in EVIDENCE_IMMUTABLE_FIELDS}
        if self.pk and not self._state.adding and touches_immutable:
            stored = type(self)._default_manager.filter(pk=self.pk).values(*EVIDENCE_IMMUTABLE_FIELDS).first()
            if stored is not None:
                changed = [name for name in EVIDENCE_IMMUTABLE_FIELDS
                           if stored[name] != (self.file.name if name == "file" else getattr(self, name))]
                if changed:
                    raise ValidationError(f"Evidence is immutable once stored; upload a new version instead "
                                          f"(tried to change: {', '.join(changed)}).")
        super().save(*args, **kwargs)

    def clean(self):
        if self.valid_until and self.effective_date and self.valid_until < self.effective_date:
            raise ValidationError({"valid_until": "Cannot be before the effective date."})

    @property
    def is_independent(self) -> bool:
        return self.source != self.Source.SELF_REPORTED

    def usable_on(self, on: date) -> bool:
        """Accepted, already uploaded, in effect and not expired on `on`."""
        return (self.review_outcome == self.Outcome.ACCEPTED
                and timezone.localdate(self.uploaded_at) <= on
                and self.effective_date <= on
                and (self.valid_until is None or self.valid_until >= on))


# --- attestations -----------------------------------------------------------------------------------------

ATTESTATION_EXPIRY_WARNING_DAYS = 60


def attestation_warning_days() -> int:
    return int(getattr(settings, "VENDOR_ATTESTATION_WARNING_DAYS", ATTESTATION_EXPIRY_WARNING_DAYS))


class Attestation(TimeStampedModel):
    class Standard(models.TextChoices):
        ISO_42001 = "iso_42001", "ISO/IEC 42001"
        ISO_27001 = "iso_27001", "ISO/IEC 27001"
        SOC2_TYPE2 = "soc2_type2", "SOC 2 Type II"
        OTHER = "other", "Other"

    class State(models.TextChoices):
        NOT_YET_VALID = "not_yet_valid", "Not yet valid"
        VALID = "valid", "Valid"
        EXPIRING = "expiring", "Expiring soon"
        EXPIRED = "expired", "Expired"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="attestations")
    standard = models.CharField(max_length=16, choices=Standard.choices)
    other_standard = models.CharField("Standard name (if other)", max_length=120, blank=True)
    issuer = models.CharField(max_length=200, help_text="The certification body or audit firm.")
    scope = models.TextField(help_text="What the certificate or report covers.")
    issued_on = models.DateField()
    expires_on = models.DateField()
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="attestations")
    # What the daily check last recorded (vendors.services.monitoring.attestations_check); changed only by that
    # service, with a history row whose reason says why. Empty until the first check.
    recorded_state = models.CharField("state recorded by the daily check", max_length=16, choices=State.choices,
                                      blank=True, editable=False)
    state_recorded_on = models.DateField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["expires_on", "pk"]

    def __str__(self) -> str:
        return f"{self.standard_label} ({self.issuer}, expires {self.expires_on})"

    @property
    def standard_label(self) -> str:
        if self.standard == self.Standard.OTHER and self.other_standard:
            return self.other_standard
        return self.get_standard_display()

    def clean(self):
        errors = {}
        if self.issued_on and self.expires_on and self.expires_on <= self.issued_on:
            errors["expires_on"] = "Must be after the issue date."
        if self.standard == self.Standard.OTHER and not self.other_standard.strip():
            errors["other_standard"] = "Name the standard when it is not one of the listed ones."
        if self.evidence_id and self.vendor_id and self.evidence.vendor_id != self.vendor_id:
            errors["evidence"] = "The linked evidence belongs to another vendor."
        if errors:
            raise ValidationError(errors)

    def status_on(self, on: date, *, warning_days: int | None = None) -> str:
        """valid / expiring (within the warning window) / expired / not_yet_valid, as of `on`."""
        days = attestation_warning_days() if warning_days is None else warning_days
        if self.expires_on < on:
            return self.State.EXPIRED
        if self.issued_on > on:
            return self.State.NOT_YET_VALID
        if self.expires_on <= on + timedelta(days=days):
            return self.State.EXPIRING
        return self.State.VALID

    def is_valid_on(self, on: date) -> bool:
        return self.issued_on <= on <= self.expires_on

    def status_label_on(self, on: date) -> str:
        return self.State(self.status_on(on)).label


# --- risk register ----------------------------------------------------------------------------------------


class Risk(TimeStampedModel):
    class Category(models.TextChoices):
        SECURITY = "security", "Security"
        PRIVACY = "privacy", "Privacy"
        IP = "ip", "Intellectual property"
        MODEL_CHANGE = "model_change", "Model change or deprecation"
        REGULATORY = "regulatory", "Regulatory / EU AI Act"
        CONCENTRATION = "concentration", "Concentration or lock-in"
        FINANCIAL = "financial", "Financial"
        PERFORMANCE = "performance", "Performance"
        COST_OVERRUN = "cost_overrun", "Cost overrun"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MITIGATING = "mitigating", "Mitigating"
        ACCEPTED = "accepted", "Accepted"
        CLOSED = "closed", "Closed"

    SCALE = [(n, str(n)) for n in range(1, 6)]

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    context = models.CharField(max_length=200, blank=True,
                               help_text="Optional: the procedure or contract this risk is about.")
    inherent_likelihood = models.PositiveSmallIntegerField(choices=SCALE)
    inherent_impact = models.PositiveSmallIntegerField(choices=SCALE)
    residual_likelihood = models.PositiveSmallIntegerField(choices=SCALE)
    residual_impact = models.PositiveSmallIntegerField(choices=SCALE)
    mitigations = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_vendor_risks")
    review_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    acceptance_reason = models.TextField(blank=True)
    # issue 21: the version of the risk acceptance matrix the acceptance was judged under.
    acceptance_matrix_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "-residual_likelihood", "-residual_impact", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(accepted_by__isnull=False),
                name="accepted_risk_has_acceptor",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        rated = all((self.residual_likelihood, self.inherent_likelihood, self.residual_impact, self.inherent_impact))
        if rated and self.residual_score > self.inherent_score:
            raise ValidationError({"residual_impact": "The residual rating cannot be worse than the inherent rating."})

    @property
    def inherent_score(self) -> int:
        return self.inherent_likelihood * self.inherent_impact

    @property
    def residual_score(self) -> int:
        return self.residual_likelihood * self.residual_impact

    @property
    def inherent_rating(self) -> str:
        from vendors.risk import rating_for

        return rating_for(self.inherent_score)

    @property
    def residual_rating(self) -> str:
        from vendors.risk import rating_for

        return rating_for(self.residual_score)
