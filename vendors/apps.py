from django.apps import AppConfig

from procurement.contributions import (
    ApiRouter,
    AuditedModel,
    Contributions,
    DemoStep,
    NavEntry,
    NotificationKind,
    PeriodicJob,
    PolicyTable,
    SearchSource,
    UrlInclude,
    WebhookEvent,
)


class VendorsConfig(AppConfig):
    name = "vendors"
    contributions = Contributions(
        urls=(UrlInclude("vendors/", "vendors.urls"),
              UrlInclude("policy/vendors/", "vendors.policy.urls")),  # issue 21: policy tables
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
        # issue 21: the policy tables this app keeps (procurement.policy_tables)
        policy_tables=(
            PolicyTable("tiering_rules", "Tiering rule table",
                        "Which questionnaire answers make a vendor critical, high, medium or low.",
                        "vendors.policy.tables.tiering_rules_snapshot", "vendors_policy:tiering_rules", order=30),
            PolicyTable("dd_plans", "Due-diligence plans",
                        "For each tier: the evidence required, the references, whether a POV is mandatory.",
                        "vendors.policy.tables.dd_plans_snapshot", "vendors_policy:dd_plans", order=40),
            PolicyTable("risk_acceptance", "Risk acceptance matrix",
                        "Who may accept a residual risk of each rating.",
                        "vendors.policy.tables.risk_acceptance_snapshot", "vendors_policy:risk_acceptance",
                        order=50),
        ),
    )
