"""Loads the enterprise-scale benchmark dataset (see procurement.bench.seed and docs/performance.md)."""

import time

from django.core.management.base import BaseCommand, CommandError

from procurement.bench.seed import Sizes, seed_scale


class Command(BaseCommand):
    help = ("Create a reproducible enterprise-scale dataset for the benchmarks: vendors, procedures, users, and one "
            "large procedure of 40 bids x 120 criteria x 12 evaluators. Adds to what is there; use a throwaway "
            "database.")

    def add_arguments(self, parser):
        parser.add_argument("--vendors", type=int, default=5000)
        parser.add_argument("--procedures", type=int, default=500)
        parser.add_argument("--users", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--no-large", action="store_true", help="Skip the large procedure.")
        parser.add_argument("--large-bids", type=int, default=40)
        parser.add_argument("--large-criteria", type=int, default=120, help="A multiple of its 12 groups.")
        parser.add_argument("--large-evaluators", type=int, default=12)

    def handle(self, *args, **options):
        sizes = Sizes(vendors=options["vendors"], procedures=options["procedures"], users=options["users"],
                      large=not options["no_large"], large_bids=options["large_bids"],
                      large_criteria=options["large_criteria"], large_evaluators=options["large_evaluators"])
        if min(sizes.vendors, sizes.procedures, sizes.users) < 0:
            raise CommandError("Sizes cannot be negative.")
        if sizes.large and not (1 <= sizes.large_evaluators <= 12 and sizes.large_criteria >= 12
                                and 2 <= sizes.large_bids <= sizes.vendors):
            raise CommandError("The large procedure needs 2..--vendors bids, at least 12 criteria and 1..12 "
                               "evaluators (or --no-large).")
        started = time.perf_counter()
        found = seed_scale(sizes=sizes, seed=options["seed"], stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(
            f"Benchmark data ready in {time.perf_counter() - started:.1f} s"
            + (f"; large procedure {found['large_procedure']}." if found["large_procedure"] else ".")))
