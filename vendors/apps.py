from django.apps import AppConfig

from procurement.contributions import (
    ApiRouter,
    AuditedModel,
    Contributions,
    DemoStep,
    NavEntry,
    NotificationKind,
    PeriodicJob,
    SearchSource,
    UrlInclude,
    WebhookEvent,
)


class VendorsConfig(AppConfig):
    name = "vendors"
    contributions = Contributions(
        urls=(UrlInclude("vendors/", "vendors.urls"),),
        navigation=(NavEntry("Vendors", "vendors:list", order=10),),
        panels="vendors.dashboard.panels",
        work_count="vendors.dashboard.work_count",
        search=(SearchSource("vendors", "Vendors", "vendors.search.find"),),
        calendar=("vendors.calendar.events",),
        notification_kinds=(
            NotificationKind("expiry", "An attestation or contract date is about to expire"),
            NotificationKind("reassessment_due", "A vendor reassessment is due"),
            NotificationKind("vendor_self_report", "A vendor answered its tiering questions or sent evidence"),
        ),
        audited=(AuditedModel("vendors.vendor", "vendors.policies.vendor_policy"),),
        # Attestations expiring or expired, and tiers due for reassessment, once a day.
        jobs=(PeriodicJob("vendors-attestations-daily", "vendors.attestations_daily"),
              PeriodicJob("vendors-reassessment-daily", "vendors.reassessment_daily")),
        document_kinds=("vendors.dossier",),
        demo=(DemoStep(10, "vendors.demo.seed"),),
        api=(ApiRouter("vendors/", "vendors.api.router"),),
        webhook_events=(WebhookEvent("attestation.expired", "A vendor's attestation expired"),),
    )
