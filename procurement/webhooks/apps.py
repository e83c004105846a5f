"""Webhooks (issue 19): signed event deliveries to the URLs administrators subscribe (docs/webhooks.md)."""
from datetime import timedelta

from django.apps import AppConfig

from procurement.contributions import AuditedModel, Contributions, NavEntry, PeriodicJob, UrlInclude


class WebhooksConfig(AppConfig):
    name = "procurement.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    contributions = Contributions(
        urls=(UrlInclude("webhooks/", "procurement.webhooks.urls"),),
        # Shown to superusers and auditors; holders of the webhook permission open it from the admin's links.
        navigation=(NavEntry("Webhooks", "webhooks:list", roles=frozenset({"Auditor"}), order=95),),
        audited=(AuditedModel("webhooks.webhooksubscription", "procurement.webhooks.policies.subscription_policy"),),
        # Deliveries whose task was lost (broker down at commit, worker killed) are queued again.
        jobs=(PeriodicJob("webhooks-sweep", "webhooks.sweep", every=timedelta(minutes=2)),),
    )
