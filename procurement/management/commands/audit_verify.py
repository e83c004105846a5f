"""`manage.py audit_verify`: walk every audit chain, recompute every hash, and name the first broken row of
each broken chain. Exits 1 when anything is broken (procurement.audit.chain explains what a chain is)."""

from time import monotonic

from django.core.management.base import BaseCommand, CommandError

from procurement.audit.chain import verify_chains


class Command(BaseCommand):
    help = ("Verify the tamper-evident audit trail: every history row sealed, every seal's row present and "
            "unchanged, every chain continuous. Exits non-zero on any break.")

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias to verify (default: default).")
        parser.add_argument("--chunk", type=int, default=500, help="Rows read per query (memory stays constant).")

    def handle(self, *args, database: str, chunk: int, **options):
        if chunk < 1:
            raise CommandError("--chunk must be at least 1.")
        started = monotonic()
        result = verify_chains(using=database, chunk=chunk)
        elapsed = monotonic() - started
        for problem in result.breaks:
            self.stderr.write(f"BROKEN {problem.object_key} — {problem.history_model}, history id "
                              f"{problem.history_id}: {problem.problem}")
        summary = f"Verified {result.chains} chains, {result.rows} history rows in {elapsed:.2f}s"
        if result.breaks:
            raise CommandError(f"{summary}: {len(result.breaks)} broken chain(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{summary}: every chain intact."))
