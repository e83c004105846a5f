"""Loads the demo data: users for every role, then each app's demo (vendors, procedures, contracts).

Refuses to run with DEBUG off: the demo passwords are public.
"""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from procurement import demo

DEMO_APPS = ("vendors", "awards", "contracts")


class Command(BaseCommand):
    help = "Create demo users (one per role) and a realistic AI-vendor selection. Local default only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo refuses to run with DEBUG off: its passwords are published in the README.")
        with transaction.atomic():
            users = demo.seed(self.stdout)
            for app in DEMO_APPS:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
