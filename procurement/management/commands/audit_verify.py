"""`manage.py audit_verify`: walk every audit chain, recompute every hash, and name the first broken row of
each broken chain; then check the newest signed checkpoint (procurement.audit.checkpoint): its signature, and
that no chain is now shorter than, or different at, the head it recorded. Exits 1 when anything is broken
(procurement.audit.chain explains what a chain is)."""

from time import monotonic

from django.core.management.base import BaseCommand, CommandError

from procurement.audit.chain import verify_chains
from procurement.audit.checkpoint import checkpoint_verify


class Command(BaseCommand):
    help = ("Verify the tamper-evident audit trail: every history row sealed, every seal's row present and "
            "unchanged, every chain continuous and at least as long as the newest signed checkpoint recorded, and "
            "every entry of the audit log's index equal to its seal. "
            "Exits non-zero on any break.")

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias to verify (default: default).")
        parser.add_argument("--chunk", type=int, default=500, help="Rows read per query (memory stays constant).")
        parser.add_argument("--checkpoint", default=None,
                            help="Storage name of the checkpoint to check against (default: the newest).")

    def handle(self, *args, database: str, chunk: int, checkpoint: str | None, **options):
        if chunk < 1:
            raise CommandError("--chunk must be at least 1.")
        started = monotonic()
        result = verify_chains(using=database, chunk=chunk)
        checked = checkpoint_verify(name=checkpoint, using=database, chunk=min(chunk, 200))
        elapsed = monotonic() - started
        for problem in result.breaks:
            self.stderr.write(f"BROKEN {problem.object_key} — {problem.history_model}, history id "
                              f"{problem.history_id}: {problem.problem}")
        for finding in checked.findings:
            self.stderr.write(f"CHECKPOINT {finding}")
        for note in checked.notes:
            self.stdout.write(f"Note: {note}")
        summary = (f"Verified {result.chains} chains, {result.rows} history rows, {result.index_entries} log index "
                   f"entries in {elapsed:.2f}s")
        if checked.checkpoint is not None:
            summary += (f"; {checked.chains} chains against checkpoint {checked.name} "
                        f"({checked.checkpoint.created_at}, {checked.checkpoint.reason})")
        if result.breaks or checked.findings:
            raise CommandError(f"{summary}: {len(result.breaks)} broken chain(s), "
                               f"{len(checked.findings)} checkpoint finding(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{summary}: every chain intact."))
