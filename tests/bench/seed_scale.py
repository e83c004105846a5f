"""Loads the enterprise-scale benchmark dataset (see tests.bench.seed and docs/performance.md).

``python -m tests.bench.seed_scale --vendors 5000 --procedures 500 --users 300 --seed 2026`` against the
database in DATABASE_URL; `make bench` runs it on its throwaway databases. Benchmark code lives with the tests:
production code never imports it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from django.core.management.base import CommandError, OutputWrapper


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.seed_scale",
        description="Create a reproducible enterprise-scale dataset for the benchmarks: vendors, procedures, users, "
                    "and one large procedure of 40 bids x 120 criteria x 12 evaluators. Adds to what is there; use a "
                    "throwaway database.")
    parser.add_argument("--vendors", type=int, default=5000)
    parser.add_argument("--procedures", type=int, default=500)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
    parser.add_argument("--no-large", dest="no_large", action="store_true", help="Skip the large procedure.")
    parser.add_argument("--large-bids", dest="large_bids", type=int, default=40)
    parser.add_argument("--large-criteria", dest="large_criteria", type=int, default=120,
                        help="A multiple of its 12 groups.")
    parser.add_argument("--large-evaluators", dest="large_evaluators", type=int, default=12)
    return parser


def seed_scale_run(*, stdout, vendors: int = 5000, procedures: int = 500, users: int = 300, seed: int = 2026,
                   no_large: bool = False, large_bids: int = 40, large_criteria: int = 120,
                   large_evaluators: int = 12) -> dict:
    """Check the sizes, build the dataset, report; CommandError for sizes that cannot be built."""
    from tests.bench.seed import Sizes, seed_scale

    sizes = Sizes(vendors=vendors, procedures=procedures, users=users, large=not no_large, large_bids=large_bids,
                  large_criteria=large_criteria, large_evaluators=large_evaluators)
    if min(sizes.vendors, sizes.procedures, sizes.users) < 0:
        raise CommandError("Sizes cannot be negative.")
    if sizes.large and not (1 <= sizes.large_evaluators <= 12 and sizes.large_criteria >= 12
                            and 2 <= sizes.large_bids <= sizes.vendors):
        raise CommandError("The large procedure needs 2..--vendors bids, at least 12 criteria and 1..12 "
                           "evaluators (or --no-large).")
    out = OutputWrapper(stdout)  # one line per write, as a management command's stdout
    started = time.perf_counter()
    found = seed_scale(sizes=sizes, seed=seed, stdout=out)
    out.write(f"Benchmark data ready in {time.perf_counter() - started:.1f} s"
                 + (f"; large procedure {found['large_procedure']}." if found["large_procedure"] else "."))
    return found


def main(argv: list[str] | None = None) -> int:
    options = vars(parser().parse_args(argv))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    import django

    django.setup()
    try:
        seed_scale_run(stdout=sys.stdout, **options)
    except CommandError as exc:
        print(f"seed_scale: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
