from datetime import timedelta
from importlib import import_module

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
    PolicyTable,
    SearchSource,
    UrlInclude,
    WebhookEvent,
)


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Award procedures"
    contributions = Contributions(
        urls=(UrlInclude("procedures/", "awards.urls"),
              UrlInclude("portal/", "awards.portal.urls"),  # the bidders' portal (issue 20)
              UrlInclude("policy/awards/", "awards.policy.urls")),  # issue 21: policy tables
        navigation=(NavEntry("Award procedures", "awards:procedure_list", order=20),),
        panels="awards.dashboard.panels",
        work_count="awards.dashboard.work_count",
        search=(SearchSource("procedures", "Award procedures", "awards.search.procedures"),
                SearchSource("memos", "Decision memos", "awards.search.memos")),
        calendar=("awards.calendar.events",),
        notification_kinds=(
            NotificationKind("evaluator_assigned", "You were assigned as an evaluator"),
            NotificationKind("scoring_deadline", "A scoring deadline is approaching"),
            NotificationKind("memo_routed", "A decision memo is waiting for your sign-off"),
            NotificationKind("memo_decided", "A decision memo you wrote was approved or rejected"),
            NotificationKind("award_notice", "A procedure was awarded"), NotificationKind("scorecard_changed", "A scorecard change reset your scores"),  # noqa: E501
            NotificationKind("timeline_changed", "A timeline change after issue that bidders must be told"),
            # issue 20: the bidders' portal
            NotificationKind("bidder_notice", "A notice about a procedure you bid on"),
            NotificationKind("bidder_question", "A bidder asked a question"),
            NotificationKind("bid_opening", "A bid opening needs you as a witness"),
            NotificationKind("bid_received", "A sealed bid was submitted or withdrawn"),
        ),
        audited=(
            AuditedModel("awards.awardprocedure", "awards.policies.procedure_policy",
                         parts="awards.audit.PROCEDURE_PARTS", notice="awards.audit.procedure_notice"),
            AuditedModel("awards.bid", "awards.policies.bid_policy"),
            AuditedModel("awards.decisionmemo", "awards.policies.memo_policy", parts="awards.audit.MEMO_PARTS"),
        ),
        # Evaluators hear about an approaching scoring deadline (once per person and deadline).
        jobs=(PeriodicJob("notifications-scoring-deadlines", "notifications.deadlines", every=timedelta(hours=1)),
              # Invitation e-mails whose task was lost are queued again (awards.services.invitations).
              PeriodicJob("portal-invitations-sweep", "awards.invitations_sweep", every=timedelta(minutes=5))),
        document_kinds=("awards.memo_documents",),
        demo=(DemoStep(20, "awards.demo.seed"), DemoStep(25, "awards.demo.portal.seed")),
        hooks=(HookProvider("vendors.engagements", "awards.selectors.vendor_engagements"),),
        api=(ApiRouter("procedures/", "awards.api.router"), ApiRouter("memos/", "awards.api.memo_router")),
        webhook_events=(WebhookEvent("memo.approved", "A decision memo was approved"),
                        WebhookEvent("award.notified", "The award was notified to the bidders")),
        # issue 21: the policy tables this app keeps (procurement.policy_tables)
        policy_tables=(
            PolicyTable("committees", "Committees and their members",
                        "Who approves award decision memos, and how many of each committee must approve.",
                        "awards.policy.tables.committees_snapshot", "awards_policy:committees", order=10),
            PolicyTable("approval_matrix", "Approval matrix",
                        "Contract value bands (with their currency) × vendor tiers → the committees that approve.",
                        "awards.policy.tables.approval_matrix_snapshot", "awards_policy:approval_matrix", order=20),
        ),
    )

    def ready(self):
        from awards.prerequisites import PREREQUISITE_MODULES

        for module in PREREQUISITE_MODULES:
            import_module(module)
