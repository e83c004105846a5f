from django.apps import AppConfig

from procurement.contributions import (
    ApiRouter,
    AuditedModel,
    Contributions,
    DemoStep,
    HookProvider,
    NavEntry,
    NotificationKind,
    PeriodicJob,
    SearchSource,
    UrlInclude,
    WebhookEvent,
)


class ContractsConfig(AppConfig):
    name = "contracts"
    contributions = Contributions(
        urls=(UrlInclude("contracts/", "contracts.urls"),),
        navigation=(NavEntry("Contracts", "contracts:list", order=30),),
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
    )

    def ready(self):
        from django.db.models.signals import post_save

        from contracts.signals import pack_rendered
        from procurement.documents.models import RenderedDocument

        post_save.connect(pack_rendered, sender=RenderedDocument, dispatch_uid="contracts.pack_rendered")
