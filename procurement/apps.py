from datetime import timedelta

from django.apps import AppConfig

from procurement.accounts.roles import Role
from procurement.contributions import AuditedModel, Contributions, DemoStep, NavEntry, PeriodicJob

POLICY_READERS = frozenset({Role.POLICY_ADMINISTRATOR, Role.PROCUREMENT_LEAD, Role.AUDITOR})


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Baton kernel"
    contributions = Contributions(
        navigation=(NavEntry("My work", "home", counter="procurement.dashboard.work_count", order=0),
                    NavEntry("Exchange rates", "exchange_rates", frozenset({Role.PROCUREMENT_LEAD, Role.AUDITOR}),
                             order=95),
                    NavEntry("Policy", "policy:index", POLICY_READERS, order=96)),
        audited=(AuditedModel("procurement.exchangerate", "procurement.exchange_rates.exchange_rate_policy"),),
        jobs=(PeriodicJob("worker-heartbeat", "procurement.tasks.worker_heartbeat", every=timedelta(seconds=60)),),
        demo=(DemoStep(0, "procurement.demo.seed_step"),),
    )

    def ready(self):
        from django import forms
        from django.core import checks

        from procurement.contributions import check_contributions

        # Every dotted name an app contributes must import (procurement.contributions).
        checks.register(check_contributions)

        from django_structlog.signals import bind_extra_request_metadata

        from procurement.client_address import bind_to_log_context

        # Log lines carry the client's real address behind the trusted proxies (procurement.client_address).
        bind_extra_request_metadata.connect(bind_to_log_context, dispatch_uid="baton-client-address")

        from procurement import sqlite

        # A busy embedded database is never mistaken for one without JSON support (procurement.sqlite).
        sqlite.install()

        from procurement.validators import plausible_date, readable_text

        # Every form text field refuses control characters and bidi overrides (see procurement.validators).
        # EmailField and URLField declare their own default validators, so they get the check added too.
        for field_class in (forms.CharField, forms.EmailField, forms.URLField):
            if readable_text not in field_class.default_validators:
                field_class.default_validators = [*field_class.default_validators, readable_text]
        # ... and every form date a year between 1900 and 2200.
        for field_class in (forms.DateField, forms.DateTimeField):
            if plausible_date not in field_class.default_validators:
                field_class.default_validators = [*field_class.default_validators, plausible_date]
        # ... and every file field refuses a file cut off at the upload ceiling (see procurement.uploads).
        from procurement.uploads import refuse_oversize

        for field_class in (forms.FileField, forms.ImageField):  # ImageField declares its own validators
            if refuse_oversize not in field_class.default_validators:
                field_class.default_validators = [*field_class.default_validators, refuse_oversize]
