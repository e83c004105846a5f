"""Page latency and query counts with the Django test client, in-process, against the database in DATABASE_URL.

``python -m tests.bench.pages --out FILE [--rounds N]``: signs each role's benchmark user in (a session,
no password), requests every main page ``warmup`` times, then ``rounds`` times interleaved with the floor page,
and writes p50/p95 (ms), the query count and the response size per page as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time

# The contract page's sections, measured one by one: each is requested as a whole page with that section open
# (what a bookmark or a browser without JavaScript loads; a tab click fetches the section alone, which is less).
# The overview is the contract's own address (`contracts:detail`); the others are `contracts:section` with their
# name. This is the one list to edit when sections are added or renamed; names the URL configuration does not
# know (yet) are skipped.
CONTRACT_SECTIONS = ("negotiation", "handoff", "delivery", "money", "performance", "incidents", "exit")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q
    low, high = int(rank), min(int(rank) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def page_targets() -> list[dict]:
    """The pages to measure: name, URL, the user who opens it, and the target class (list/detail vs heavy)."""
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    from awards.models import AwardProcedure, DecisionMemo
    from contracts.models import Contract
    from procurement.accounts.models import User
    from tests.bench.seed import LARGE_TITLE
    from vendors.models import Vendor

    users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
    large = AwardProcedure.objects.get(title=LARGE_TITLE)
    # The lead's busiest vendor: invited to the most procedures (its page lists them).
    vendor = (Vendor.objects.filter(owner=users["bench-lead"], legal_name__startswith="Bench ")
              .annotate(n_bids=Count("bids")).order_by("-n_bids", "pk").first())
    memo = DecisionMemo.objects.filter(status=DecisionMemo.Status.APPROVED).order_by("pk").first() \
        or DecisionMemo.objects.order_by("pk").first()
    contract = Contract.objects.order_by("pk").first()
    pages = [{"name": "floor", "url": reverse("floor"), "user": "bench-lead", "limit": None}]
    for role in ("lead", "evaluator-01", "approver", "manager", "owner", "auditor"):
        pages.append({"name": f"home ({role.split('-')[0]})", "url": reverse("home"), "user": f"bench-{role}",
                      "limit": 6})
    pages += [
        {"name": "vendor list", "url": reverse("vendors:list"), "user": "bench-lead", "limit": 6},
        {"name": "vendor detail", "url": vendor.get_absolute_url(), "user": "bench-lead", "limit": 6},
        {"name": "procedure list", "url": reverse("awards:procedure_list"), "user": "bench-lead", "limit": 6},
        {"name": "results (large procedure)", "url": reverse("awards:results", args=[large.reference]),
         "user": "bench-lead", "limit": 20},
    ]
    if memo is not None:
        # The memo's own lead reads it (the demo's memo when present: a full journey through the services).
        pages.append({"name": "memo page", "url": reverse("awards:memo_detail", args=[memo.procedure.reference]),
                      "user": memo.procedure.lead.username, "limit": 20})
    if contract is not None:
        pages.append({"name": "contract page", "url": reverse("contracts:detail", args=[contract.reference]),
                      "user": "bench-auditor", "limit": 6})
        pages += [{"name": f"contract section: {name}", "url": url, "user": "bench-auditor", "limit": 6}
                  for name, url in contract_section_urls(contract)]
    pages.append({"name": "audit log", "url": reverse("audit:log"), "user": "bench-auditor", "limit": 6})
    # issue 21: the lists as people use them (first page, default order) and the portfolio view.
    pages += [{"name": f"list: {label}", "url": url, "user": "bench-lead", "limit": 6} for label, url in list_urls()]
    with contextlib.suppress(NoReverseMatch):
        pages += [{"name": f"portfolio ({who})", "url": reverse("contracts:portfolio"), "user": f"bench-{who}",
                   "limit": 6} for who in ("lead", "auditor")]
    return pages


# The lists of issue 21, each measured on its first page; names the URL configuration does not know are skipped.
# (The vendor and procedure lists are measured above under their own names.)
LISTS = (("contracts", "contracts:list"), ("invoices", "contracts:invoice_list"), ("KPIs", "contracts:kpi_list"),
         ("obligations", "contracts:obligation_list"), ("risks", "vendors:risk_list"))


def list_urls() -> list[tuple[str, str]]:
    from django.urls import NoReverseMatch, reverse

    found = []
    for label, name in LISTS:
        with contextlib.suppress(NoReverseMatch):
            found.append((label, reverse(name)))
    return found


def contract_section_urls(contract) -> list[tuple[str, str]]:
    from django.urls import NoReverseMatch, reverse

    found = []
    for name in CONTRACT_SECTIONS:
        try:
            found.append((name, reverse("contracts:section", args=[contract.reference, name])))
        except NoReverseMatch:
            continue
    return found


def audit_row_tables() -> set[str]:
    """The tables the audit log may read its rows from: every history table, and the log's index when it exists."""
    from django.apps import apps

    tables = {m._meta.db_table for m in apps.get_models() if m.__name__.startswith("Historical")}
    with contextlib.suppress(LookupError):
        tables.add(apps.get_model("audit", "AuditEntry")._meta.db_table)
    return tables


def row_queries(queries: list[dict], tables: set[str]) -> dict:
    """How many of `queries` read rows from `tables` (a COUNT for the paginator counted apart)."""
    reading, counting = 0, 0
    for query in queries:
        sql = query["sql"]
        if not any(f'"{table}"' in sql for table in tables):
            continue
        if sql.lstrip().upper().startswith("SELECT COUNT(") or "SELECT COUNT(*) FROM (" in sql.upper():
            counting += 1
        else:
            reading += 1
    return {"row_queries": reading, "count_queries": counting}


def measure(rounds: int = 30, warmup: int = 3) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from procurement.accounts.models import User

    pages = page_targets()
    clients: dict[str, Client] = {}
    for page in pages:
        if page["user"] not in clients:
            client = Client()
            client.force_login(User.objects.get(username=page["user"]))
            clients[page["user"]] = client
    out: dict[str, dict] = {}
    for page in pages:
        client = clients[page["user"]]
        for _ in range(warmup):
            response = client.get(page["url"])
            if response.status_code != 200:
                raise RuntimeError(f"{page['name']} ({page['url']}) answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page["url"])
        out[page["name"]] = {"url": page["url"], "user": page["user"], "limit": page["limit"],
                             "queries": len(captured.captured_queries), "bytes": len(response.content),
                             "times": []}
        if page["name"] == "audit log":
            out[page["name"]].update(row_queries(captured.captured_queries, audit_row_tables()))
    floor_client = clients["bench-lead"]
    floor_url = pages[0]["url"]
    for _ in range(rounds):
        for page in pages:
            client = clients[page["user"]]
            start = time.perf_counter()
            client.get(page["url"])
            out[page["name"]]["times"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        floor_client.get(floor_url)
        out["floor"]["times"].append((time.perf_counter() - start) * 1000)
    for data in out.values():
        times = data.pop("times")
        data.update(p50=percentile(times, 0.5), p95=percentile(times, 0.95), mean=statistics.fmean(times),
                    samples=len(times))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    import django

    django.setup()
    result = measure(rounds=args.rounds)
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=2)
    for name, data in result.items():
        print(f"  {name:28s} p50 {data['p50']:7.1f} ms  p95 {data['p95']:7.1f} ms  {data['queries']:3d} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
