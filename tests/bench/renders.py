"""Memo renders spread over two Celery workers: none lost, none rendered twice.

``python -m tests.bench.renders --out FILE [--renders 100] [--workers 2]`` on the database in DATABASE_URL, with
REDIS_URL (the broker) set:

1. ``--renders`` draft decision memos are written as rows (tests.factories.memos.memo_for_award: a procedure at
   the shortlist with its shortlisted bid), in one transaction;
2. ``--workers`` Celery workers start (tests/cluster.py: separate processes, own folders, DEBUG=0);
3. one memo PDF is requested per memo through the document service (queued to the broker on commit), all at
   once; the workers take them as they come;
4. once no document is waiting or rendering: READY documents, documents rendered more than once (a second
   READY in a row's history, or two workers' logs naming it), and how many each worker rendered (its log).

It changes the data (adds memos and documents), so ``make bench`` runs it last.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

RENDERED = re.compile(r"Document (\d+) \(award_memo v\d+\) rendered")


def make_memos(count: int) -> list:
    """`count` draft memos as rows. The people the factories make never sign in, so their passwords are hashed
    with the fast hasher the tests use (the production hasher would spend minutes here)."""
    from django.db import transaction
    from django.test import override_settings

    from tests.factories.memos import memo_for_award

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]), \
            transaction.atomic():
        return [memo_for_award(status="draft") for _ in range(count)]


def measure(renders: int, workers: int, timeout: float) -> dict:
    from django.db import transaction

    from awards.memo_documents import MEMO_KIND
    from procurement.documents import services
    from procurement.documents.models import RenderedDocument
    from tests.cluster import Cluster

    started = time.perf_counter()
    memos = make_memos(renders)
    result: dict = {"renders": renders, "workers": workers, "memos_s": time.perf_counter() - started}
    static_root = os.environ.get("STATIC_ROOT")
    env = {**os.environ, "LOG_LEVEL": "INFO"}
    status = RenderedDocument.Status
    with Cluster(env, web=0, workers=workers, proxy=False, concurrency=1,
                 static_root=Path(static_root) if static_root else None) as cluster:
        started = time.perf_counter()
        with transaction.atomic():  # every task is queued when this commits
            ids = [services.document_request(kind=MEMO_KIND, source=memo, actor=None,
                                             reason="Benchmark: memo renders over two workers").pk
                   for memo in memos]
        deadline = time.monotonic() + timeout
        busy = (status.PENDING, status.RENDERING)
        while time.monotonic() < deadline:
            if not RenderedDocument.objects.filter(pk__in=ids, status__in=busy).exists():
                break
            time.sleep(0.5)
        result["render_s"] = time.perf_counter() - started
        time.sleep(2.0)  # a duplicate delivery, if any, has time to run and to show in the logs
        logs = {worker.name: worker.log() for worker in cluster.workers}
    wanted = set(ids)
    per_worker = {name: Counter(int(pk) for pk in RENDERED.findall(text) if int(pk) in wanted)
                  for name, text in logs.items()}
    jobs = Counter()
    for counts in per_worker.values():
        jobs.update(counts)
    statuses = Counter(RenderedDocument.objects.filter(pk__in=ids).values_list("status", flat=True))
    history_ready = Counter(RenderedDocument.history.filter(id__in=ids, status=status.READY)
                            .values_list("id", flat=True))
    result.update(
        requested=len(ids), statuses=dict(statuses), ready=statuses.get(status.READY, 0),
        lost=len(ids) - statuses.get(status.READY, 0),
        distinct_jobs=len(jobs), render_log_lines=sum(jobs.values()),
        duplicates=sum(n - 1 for n in jobs.values() if n > 1) + sum(n - 1 for n in history_ready.values() if n > 1),
        per_worker={name: sum(counts.values()) for name, counts in per_worker.items()},
        rendered_by_two=sum(1 for pk in wanted if sum(1 for c in per_worker.values() if c.get(pk)) > 1))
    result["renders_per_s"] = result["ready"] / result["render_s"] if result["render_s"] else 0.0
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--renders", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    if not os.environ.get("REDIS_URL"):
        print("REDIS_URL is not set: the renders go through the broker to real workers.", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    import django

    django.setup()
    result = measure(args.renders, args.workers, args.timeout)
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=2)
    split = ", ".join(f"{name} {n}" for name, n in result["per_worker"].items())
    print(f"  {result['ready']} of {result['requested']} READY in {result['render_s']:.0f} s; lost {result['lost']}, "
          f"duplicates {result['duplicates']}; split: {split}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
