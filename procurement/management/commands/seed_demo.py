"""Loads the demo data: the steps every app contributes (`Contributions.demo`, lowest order first): users for
every role, then each app's demo (vendors, procedures, contracts).

Refuses to run with DEBUG off: the demo passwords are public.

Seeding sends the e-mails the services send (invitations, notifications): they go to an in-memory outbox here,
not to the console, so `make run` is not buried under them (the server itself keeps the configured backend).
Log lines below ERROR are held back while seeding too (Celery reports every task it runs). The last thing printed
is where Baton serves and a short table of the demo sign-ins, each with what to try.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from procurement.contributions import collect, resolve

HELD_BACK_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# (usernames, role, what to try first), shown for the ones that exist; other demo users follow with their roles.
SIGN_INS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("lead",), "Procurement lead", "Procedures: AP-2026-0001 in evaluation, AP-2026-0002 awarded; vendors and tiers"),
    (("evaluator", "evaluator2", "evaluator3"), "Evaluator", "Declare conflicts, score bids blind"),
    (("approver", "approver2", "approver3", "approver4", "approver5"), "Committee approver",
     "Read the memo and sign off (asks your password again)"),
    (("manager",), "Post-award contract manager", "Contract CT-2026-0001: kickoff, handoff pack, invoices"),
    (("owner",), "Business owner", "Your procedures and their requirements"),
    (("auditor",), "Auditor", "Read everything and the audit trail; change nothing"),
    (("policy-admin",), "Policy administrator", "Policy tables: committees, approval matrix, playbook"),
    (("admin",), "Superuser", "The Django admin at /admin/"),
    (("bidder-meridian", "bidder-sable", "bidder-brightdesk"), "Bidder contact",
     "The bidders' portal: questions, sealed bid, notices"),
)


def sign_in_rows() -> list[tuple[str, str, str]]:
    """(usernames, role, what to try) for the demo users present in the database."""
    User = get_user_model()
    present = set(User.objects.filter(is_active=True).values_list("username", flat=True))
    rows, listed = [], set()
    for names, role, hint in SIGN_INS:
        found = [name for name in names if name in present]
        listed.update(names)
        if found:
            shown = ", ".join(found) if len(found) <= 2 else f"{found[0]} … {found[-1]}"
            rows.append((shown, role, hint))
    others = (User.objects.filter(is_active=True, groups__isnull=False).exclude(username__in=listed)
              .prefetch_related("groups").order_by("username").distinct())
    for user in others:
        rows.append((user.username, ", ".join(sorted(g.name for g in user.groups.all())), ""))
    return rows


def sign_in_table(address: str, password: str) -> str:
    rows = sign_in_rows()
    head = ("Sign in as", "Role", "What to try")
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) if rows else len(head[i]) for i in range(3)]

    def line(cells):
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    out = ["", f"Baton is ready: open {address}", f"Every demo sign-in uses the password {password}", "",
           line(head), line(["-" * w for w in widths])]
    out += [line(row) for row in rows]
    out += ["", "A development server with the development secret key: never expose it to a network."]
    return "\n".join(out)


class Command(BaseCommand):
    help = "Create demo users (one per role) and a realistic AI-vendor selection. Local default only."

    def add_arguments(self, parser):
        parser.add_argument("--address", default=settings.BATON_SITE_URL.rstrip("/") + "/",
                            help="The address printed with the sign-ins (default: BATON_SITE_URL).")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo refuses to run with DEBUG off: its passwords are published in the README.")
        users: dict = {}
        had_outbox = hasattr(mail, "outbox")
        before = len(mail.outbox) if had_outbox else 0
        # Each step reports in a line of its own; the log lines of every task run on the way (one per e-mail,
        # document and checkpoint) stay out of the way while seeding, errors excepted.
        logging.disable(logging.WARNING)
        try:
            with override_settings(EMAIL_BACKEND=HELD_BACK_BACKEND), transaction.atomic():
                for step in collect().demo:
                    resolve(step.step)(users=users, stdout=self.stdout)
        finally:
            logging.disable(logging.NOTSET)
        held = len(getattr(mail, "outbox", [])) - before
        if not had_outbox and hasattr(mail, "outbox"):
            del mail.outbox  # a test's own outbox is left alone
        plural = "s were" if held != 1 else " was"
        self.stdout.write(self.style.SUCCESS(
            f"Demo data loaded. {held} e-mail{plural} sent while seeding: kept in memory, not printed. E-mails sent "
            "from now on are printed here."))
        self.stdout.write(sign_in_table(options["address"], settings.BATON_DEMO_PASSWORD))
