from datetime import timedelta

from django.apps import AppConfig
from django.core import checks

from procurement.accounts.roles import Role
from procurement.contributions import Contributions, NavEntry, PeriodicJob, UrlInclude


class AuditConfig(AppConfig):
    name = "procurement.audit"
    label = "audit"
    verbose_name = "Audit trail"
    contributions = Contributions(
        urls=(UrlInclude("audit/", "procurement.audit.urls"),),
        navigation=(NavEntry("Audit trail", "audit:log", frozenset({Role.AUDITOR}), order=80),),
        # The head of every chain, signed, so a tail cut from a chain is reported (procurement.audit.checkpoint).
        jobs=(PeriodicJob("audit-checkpoint", "audit.checkpoint", every=timedelta(hours=1)),),
    )

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate
        from simple_history.signals import post_create_historical_record

        from procurement.audit import chain, checkpoint, triggers

        # Every history row is sealed onto its object's chain in the same transaction (procurement.audit.chain).
        post_create_historical_record.connect(chain.on_history_row_created, dispatch_uid="audit_chain_seal")
        # History tables are append-only (procurement.audit.triggers); tables added by later migrations too.
        post_migrate.connect(triggers.install_on_migrate, sender=self, dispatch_uid="audit_append_only_triggers")
        connection_created.connect(triggers.register_sqlite_bypass, dispatch_uid="audit_sqlite_bypass")
        # In production, checkpoints need a signing key (and verifiers a public key): `check --deploy` says so.
        checks.register(checkpoint.check_checkpoint_keys, checks.Tags.security, deploy=True)
