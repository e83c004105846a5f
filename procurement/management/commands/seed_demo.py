"""Loads the demo data: the steps every app contributes (`Contributions.demo`, lowest order first): users for
every role, then each app's demo (vendors, procedures, contracts).

Refuses to run with DEBUG off: the demo passwords are public.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from procurement.contributions import collect, resolve


class Command(BaseCommand):
    help = "Create demo users (one per role) and a realistic AI-vendor selection. Local default only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo refuses to run with DEBUG off: its passwords are published in the README.")
        users: dict = {}
        with transaction.atomic():
            for step in collect().demo:
                resolve(step.step)(users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
