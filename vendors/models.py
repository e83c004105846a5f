"""The vendor registry. Tiering, due diligence, evidence, attestations and risks build on Vendor."""

from django.conf import settings
from django.db import models
from django.urls import reverse
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
    country = models.CharField(max_length=2, help_text="ISO 3166 two-letter country code of the contracting entity.")
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

    def __str__(self) -> str:
        return self.trading_name or self.legal_name

    def get_absolute_url(self) -> str:
        return reverse("vendors:detail", args=[self.pk])
