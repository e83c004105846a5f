from django.apps import AppConfig

from procurement.accounts.roles import Role
from procurement.contributions import (
    ApiRouter,
    AuditedModel,
    Contributions,
    DemoStep,
    HookProvider,
    NavEntry,
    NotificationKind,
    PeriodicJob,
    PolicyTable,
    SearchSource,
    UrlInclude,
    WebhookEvent,
)


class ContractsConfig(AppConfig):
    name = "contracts"
    contributions = Contributions(
        urls=(UrlInclude("contracts/", "contracts.urls"),
              UrlInclude("policy/contracts/", "contracts.policy.urls")),  # issue 21: policy tables
        navigation=(NavEntry("Contracts", "contracts:list", order=30),
                    NavEntry("Portfolio", "contracts:portfolio",
                             frozenset({Role.PROCUREMENT_LEAD, Role.AUDITOR}), order=40)),
        panels="contracts.dashboard.panels",
        search=(SearchSource("contracts", "Contracts", "contracts.search.find"),),
        calendar=("contracts.calendar.events",),
        notification_kinds=(
            NotificationKind("kickoff_invitation", "You are invited to a negotiation kickoff"),
            NotificationKind("pack_ready", "A handoff pack is ready for you"),
            NotificationKind("breach", "A contract commitment was breached"),
            NotificationKind("payment_late", "A payment is late"),
            NotificationKind("usage_forecast", "Usage is forecast to exceed what was bought"),
            NotificationKind("renewal_notice", "A renewal or notice date is approaching"),
            NotificationKind("change_order", "A change order needs your attention"),
            NotificationKind("incident", "A vendor incident was reported"),
        ),
        audited=(AuditedModel("contracts.contract", "contracts.policies.contract_policy",
                              parts="contracts.audit.CONTRACT_PARTS"),),
        # Notice/renewal reminders, late invoices and over-cap usage forecasts, once a day.
        jobs=(PeriodicJob("contracts-renewal-reminders", "contracts.renewal_reminders"),
              PeriodicJob("contracts-payments-check", "contracts.payments_check")),
        document_kinds=("contracts.documents",),
        demo=(DemoStep(30, "contracts.demo.seed"),),
        hooks=(HookProvider("vendors.engagements", "contracts.selectors.vendor_engagements"),
               HookProvider("vendors.contracts", "contracts.services.exit.vendor_contracts")),
        api=(ApiRouter("contracts/", "contracts.api.router"), ApiRouter("ocds/", "contracts.ocds.api.router")),
        webhook_events=(WebhookEvent("contract.signed", "A contract was signed"),
                        WebhookEvent("pack.acknowledged", "A handoff pack was acknowledged"),
                        WebhookEvent("kpi.breached", "A KPI measurement breached its threshold")),
        # issue 21: the policy tables this app keeps (procurement.policy_tables)
        policy_tables=(
            PolicyTable("clause_playbook", "Clause playbook",
                        "The AI clauses, the tiers that must carry each, and their default positions.",
                        "contracts.policy.tables.clause_playbook_snapshot", "contracts_policy:clause_playbook",
                        order=60),
            PolicyTable("kpi_templates", "KPI templates",
                        "The KPIs a settled service-level or performance clause turns into.",
                        "contracts.policy.tables.kpi_templates_snapshot", "contracts_policy:kpi_templates",
                        order=70),
            PolicyTable("checkin_templates", "Check-in templates",
                        "The questions each team answers at a periodic check-in.",
                        "contracts.policy.tables.checkin_templates_snapshot", "contracts_policy:checkin_templates",
                        order=80),
            PolicyTable("reminder_lead_times", "Reminder lead times",
                        "How many days ahead contract managers are reminded of notice and renewal dates.",
                        "contracts.policy.tables.reminder_lead_times_snapshot",
                        "contracts_policy:reminder_lead_times", order=90),
        ),
    )

    def ready(self):
        from django.db.models.signals import post_save

        from contracts.signals import pack_rendered
        from procurement.documents.models import RenderedDocument

        post_save.connect(pack_rendered, sender=RenderedDocument, dispatch_uid="contracts.pack_rendered")
