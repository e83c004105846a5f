"""``make bench``: build the 1x and 10x datasets in throwaway PostgreSQL databases, measure, print, write JSON.

Run under ``.ci/with-services`` (a throwaway PostgreSQL, Redis and S3 server; DATABASE_URL, REDIS_URL, CACHE_URL
and S3_* point at them). Steps:

1. a template database: migrate, ``seed_demo`` (the full relay through the services: memo approved by two
   committees, contract with its kickoff); copied twice with ``CREATE DATABASE … TEMPLATE``;
2. ``seed_scale`` into each copy: 1x = 500 vendors / 50 procedures / 30 users, 10x = 5000 / 500 / 300, both
   with the large procedure (40 bids x 120 criteria x 12 evaluators);
3. page latency and query counts on both (Django test client, DEBUG off; the contract page section by section),
   the scoring engine, the PDFs (on 10x);
4. on 10x, with the cluster of tests/cluster.py: the page mix through nginx against two gunicorn replicas (wrk),
   a 25 MB evidence upload and download on S3 (the web worker's memory), and memo renders over two Celery
   workers (none lost, none twice) — last, since it adds memos;
5. the table with PASS/FAIL per target, and var/bench/results.json.

Options: ``--quick`` (fewer rounds, 20 s load runs, 20 renders) for a smoke run; ``--skip-*`` to leave a step
out; ``--reuse-databases`` to measure the bench_1x/bench_10x databases an earlier run left (same server).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "var" / "bench"
PY = sys.executable
SCALES = {"1x": (500, 50, 30), "10x": (5000, 500, 300)}

STATIC_ROOT = OUT_DIR / "static"  # collected once (DEBUG off serves the hashed files from the manifest)

# Targets (issue 12; issue 18 for the contract sections, the audit log's one query, the cluster, S3 and workers).
LIGHT_PAGES = ("home", "vendor list", "vendor detail", "procedure list", "contract", "audit log", "list:", "portfolio")
LIGHT_RATIO, HEAVY_RATIO = 6.0, 20.0
AUDIT_ROW_QUERIES = 1
RANKING_MS, MONTE_CARLO_MS = 100.0, 300.0
MEMO_PDF_RATIO, PACK_S, RSS_RATIO = 1.10, 2.5, 1.3
LOAD_P99_MS, LOAD_THROUGHPUT_RATIO = 500.0, 0.25
UPLOAD_MB, UPLOAD_GROWTH_MB = 25, 50.0
RENDERS = 100


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def db_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


SECRET = os.environ.get("BENCH_SECRET_KEY") or "bench-" + secrets.token_urlsafe(40)


def env_for(url: str, *, production: bool, broker: bool = False) -> dict:
    """The environment of a step. Without `broker`, Celery runs eagerly (no REDIS_URL): pages and PDFs are
    measured in one process. The shared cache (CACHE_URL) and S3 (S3_*) pass through as they are."""
    env = {k: v for k, v in os.environ.items() if broker or k != "REDIS_URL"}
    env.update(DATABASE_URL=url, LOG_LEVEL="WARNING", PYTHONWARNINGS="ignore", DJANGO_SETTINGS_MODULE=
               "procurement.settings", BATON_VAR_DIR=str(OUT_DIR / "var"))
    if production:
        env.update(DEBUG="0", SECRET_KEY=SECRET, ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
                   SECURE_SSL_REDIRECT="0", STATIC_ROOT=str(STATIC_ROOT))
    else:
        env.update(DEBUG="1")
    return env


def run(args: list[str], env: dict, what: str) -> float:
    log(what)
    started = time.perf_counter()
    subprocess.run(args, env=env, cwd=ROOT, check=True)  # noqa: S603 - our own commands
    took = time.perf_counter() - started
    log(f"{what}: {took:.0f} s")
    return took


def admin_sql(base: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(db_url(base, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def analyze(url: str) -> None:
    """Fresh planner statistics, as autovacuum would have gathered on a database in use."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def build_databases(base: str, timings: dict) -> dict[str, str]:
    admin_sql(base, "DROP DATABASE IF EXISTS bench_tpl", "DROP DATABASE IF EXISTS bench_1x",
              "DROP DATABASE IF EXISTS bench_10x", "CREATE DATABASE bench_tpl")
    tpl = db_url(base, "bench_tpl")
    seeding = env_for(tpl, production=False)
    timings["migrate_s"] = run([PY, "manage.py", "migrate", "--noinput", "-v0"], seeding, "migrate (template)")
    try:
        timings["seed_demo_s"] = run([PY, "manage.py", "seed_demo"], seeding, "seed_demo (template)")
    except subprocess.CalledProcessError:
        # The demo runs in one transaction, so a failure leaves nothing behind: the benchmark goes on without
        # the memo and contract pages and the PDFs, and says so in the table.
        log("seed_demo FAILED (traceback above): no approved memo or contract; those figures will be missing")
        timings["seed_demo_failed"] = True
    admin_sql(base, "CREATE DATABASE bench_1x TEMPLATE bench_tpl", "CREATE DATABASE bench_10x TEMPLATE bench_tpl")
    urls = {}
    for scale, (vendors, procedures, users) in SCALES.items():
        urls[scale] = db_url(base, f"bench_{scale}")
        timings[f"seed_scale_{scale}_s"] = run(
            [PY, "-m", "tests.bench.seed_scale", f"--vendors={vendors}", f"--procedures={procedures}",
             f"--users={users}", "--seed=2026"], env_for(urls[scale], production=False), f"seed_scale {scale}")
        analyze(urls[scale])
    return urls


def collectstatic() -> None:
    """Once for every step (tests.cluster.collectstatic). Until the settings read STATIC_ROOT from the
    environment the files land in the repository's staticfiles/, which the settings then serve: same manifest."""
    global STATIC_ROOT
    from tests.cluster import collectstatic as collect

    log("collectstatic (DEBUG off serves the hashed files)")
    STATIC_ROOT = collect(env_for(os.environ.get("DATABASE_URL", ""), production=True), STATIC_ROOT)


def read(path: Path) -> dict:
    with open(path) as handle:
        return json.load(handle)


def scoring_figures() -> dict:
    import statistics

    from awards.scoring import monte_carlo, score_bids, sensitivity
    from tests.bench import scoring as bench_scoring

    card, bids, resolved = bench_scoring.build_award()
    result = score_bids(card, bids, resolved=resolved)
    ranking = bench_scoring._time(lambda: sensitivity(score_bids(card, bids, resolved=resolved)), 7)
    mc = bench_scoring._time(lambda: monte_carlo(result, samples=10_000, seed=1), 7)
    return {"size": f"{bench_scoring.BIDS} bids x {bench_scoring.CRITERIA} criteria x {bench_scoring.EVALUATORS} "
                    "evaluators", "ranking_ms": statistics.median(ranking), "ranking_best_ms": min(ranking),
            "monte_carlo_ms": statistics.median(mc), "monte_carlo_best_ms": min(mc)}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def evaluate(results: dict) -> list[dict]:
    """Every target as a row: what, figure, target, PASS/FAIL."""
    rows = []
    pages = results.get("pages", {})
    big, small = pages.get("10x", {}), pages.get("1x", {})
    if big:
        floor = big["floor"]["p95"]
        for name, data in big.items():
            if name == "floor":
                continue
            light = any(name.startswith(p) for p in LIGHT_PAGES)
            limit = LIGHT_RATIO if light else HEAVY_RATIO
            ratio = data["p95"] / floor
            rows.append({"what": f"p95 {name} (10x) / floor p95", "figure": f"{ratio:.1f}x ({data['p95']:.0f} ms)",
                         "target": f"<= {limit:.0f}x", "ok": ratio <= limit})
        for name, data in big.items():
            if name in small:
                same = data["queries"] == small[name]["queries"]
                rows.append({"what": f"queries {name}: 1x vs 10x",
                             "figure": f"{small[name]['queries']} vs {data['queries']}", "target": "equal",
                             "ok": same})
        audit = big.get("audit log")
        if audit and "row_queries" in audit:
            rows.append({"what": "audit log (10x): queries that read its rows",
                         "figure": f"{audit['row_queries']} (+{audit['count_queries']} count; "
                                   f"{audit['queries']} in all)",
                         "target": f"{AUDIT_ROW_QUERIES}", "ok": audit["row_queries"] == AUDIT_ROW_QUERIES})
    scoring = results.get("scoring")
    if scoring:
        rows.append({"what": "scoring: ranking + spread + sensitivity", "figure": f"{scoring['ranking_ms']:.1f} ms",
                     "target": f"<= {RANKING_MS:.0f} ms", "ok": scoring["ranking_ms"] <= RANKING_MS})
        rows.append({"what": "scoring: Monte Carlo 10,000 samples", "figure": f"{scoring['monte_carlo_ms']:.1f} ms",
                     "target": f"<= {MONTE_CARLO_MS:.0f} ms", "ok": scoring["monte_carlo_ms"] <= MONTE_CARLO_MS})
    pdf = results.get("pdf")
    if pdf:
        if "memo" in pdf:
            m = pdf["memo"]
            rows.append({"what": f"memo PDF: app / bare WeasyPrint ({m['pages']} pages)",
                         "figure": f"{m['ratio']:.2f}x ({m['app_ms']:.0f} vs {m['bare_ms']:.0f} ms)",
                         "target": f"<= {MEMO_PDF_RATIO:.2f}x", "ok": m["ratio"] <= MEMO_PDF_RATIO})
        if "pack" in pdf:
            p = pdf["pack"]
            per20 = p["app_ms"] / max(p["pages"], 1) * 20 / 1000
            rows.append({"what": f"handoff pack ({p['pages']} pages), scaled to 20 pages",
                         "figure": f"{per20:.2f} s ({p['app_ms'] / 1000:.2f} s as rendered; x{p['ratio']:.2f} bare)",
                         "target": f"<= {PACK_S} s", "ok": per20 <= PACK_S})
        if "rss" in pdf:
            r = pdf["rss"]
            rows.append({"what": f"worker RSS after {r['renders']} renders / after the first",
                         "figure": f"{r['ratio']:.2f}x ({r['rss_first_mib']:.0f} -> {r['rss_after_mib']:.0f} MiB)",
                         "target": f"<= {RSS_RATIO}x", "ok": r["ratio"] <= RSS_RATIO})
    load = results.get("load")
    if load:
        mix = load["mix"]
        rows.append({"what": "load: errors", "figure": str(mix["errors"]), "target": "0", "ok": mix["errors"] == 0})
        rows.append({"what": "load: p99", "figure": f"{mix['p99_ms']:.0f} ms (p95 {mix['p95_ms']:.0f} ms)",
                     "target": f"<= {LOAD_P99_MS:.0f} ms", "ok": mix["p99_ms"] <= LOAD_P99_MS})
        rows.append({"what": "load: throughput / floor throughput",
                     "figure": f"{load['ratio']:.2f}x ({mix['rps']:.0f} vs {load['floor']['rps']:.0f} req/s)",
                     "target": f">= {LOAD_THROUGHPUT_RATIO}x", "ok": load["ratio"] >= LOAD_THROUGHPUT_RATIO})
    upload = results.get("upload")
    if upload:
        rows.append({"what": f"{upload['file_mb']} MB evidence on S3: web worker peak RSS growth",
                     "figure": f"+{upload['growth_mb']:.1f} MB (upload +{upload['upload_growth_mb']:.1f}, "
                               f"download +{upload['download_growth_mb']:.1f})",
                     "target": f"< {UPLOAD_GROWTH_MB:.0f} MB", "ok": upload["growth_mb"] < UPLOAD_GROWTH_MB})
        rows.append({"what": f"{upload['file_mb']} MB evidence: downloaded bytes = uploaded (sha256)",
                     "figure": "same" if upload["same_bytes"] and upload["sha256_matches"] else "DIFFERENT",
                     "target": "same", "ok": upload["same_bytes"] and upload["sha256_matches"]})
    renders = results.get("renders")
    if renders:
        split = ", ".join(f"{name} {n}" for name, n in renders["per_worker"].items())
        rows.append({"what": f"{renders['requested']} memo renders over {renders['workers']} workers: lost",
                     "figure": f"{renders['lost']} ({renders['ready']} READY, {renders['distinct_jobs']} jobs)",
                     "target": "0", "ok": renders["lost"] == 0 and renders["ready"] == renders["requested"]})
        rows.append({"what": f"{renders['requested']} memo renders: rendered twice",
                     "figure": f"{renders['duplicates']} (split: {split}; {renders['render_s']:.0f} s)",
                     "target": "0", "ok": renders["duplicates"] == 0 and renders["rendered_by_two"] == 0})
    for row in rows:
        row["verdict"] = verdict(row["ok"])
    return rows


def print_tables(results: dict, rows: list[dict]) -> None:
    pages = results.get("pages", {})
    if pages:
        print("\nPage latency (Django test client, DEBUG off, PostgreSQL; ms)")
        print(f"{'page':32s} {'1x p50':>8s} {'1x p95':>8s} {'10x p50':>8s} {'10x p95':>8s} {'growth':>7s} "
              f"{'x floor':>8s} {'q 1x':>5s} {'q 10x':>6s}")
        big, small = pages.get("10x", {}), pages.get("1x", {})
        floor = big.get("floor", {}).get("p95") or 1
        for name, data in big.items():
            s = small.get(name, {})
            growth = data["p95"] / s["p95"] if s.get("p95") else float("nan")
            print(f"{name:32s} {s.get('p50', float('nan')):8.1f} {s.get('p95', float('nan')):8.1f} "
                  f"{data['p50']:8.1f} {data['p95']:8.1f} {growth:6.2f}x {data['p95'] / floor:7.1f}x "
                  f"{s.get('queries', -1):5d} {data['queries']:6d}")
    print("\nTargets")
    for row in rows:
        print(f"  {row['verdict']}  {row['what']:58s} {row['figure']:40s} {row['target']}")
    failed = [r for r in rows if not r["ok"]]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} targets pass." + (" See docs/performance.md for the ones "
                                                                        "that do not." if failed else ""))


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as handle:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
        with open("/proc/loadavg") as handle:
            info["loadavg_at_start"] = handle.read().split()[:3]
    except (OSError, StopIteration):
        pass
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--quick", action="store_true", help="Fewer rounds and 20 s load runs (a smoke run).")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--skip-renders", action="store_true")
    parser.add_argument("--reuse-databases", action="store_true",
                        help="Measure the bench_1x and bench_10x databases an earlier run left on this server.")
    args = parser.parse_args(argv)
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("make bench runs under .ci/with-services (a throwaway PostgreSQL); DATABASE_URL is not PostgreSQL.",
              file=sys.stderr)
        return 2
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                     "timings": {}, "database": "PostgreSQL (throwaway cluster, fsync off)"}
    if args.reuse_databases:
        urls = {scale: db_url(base, f"bench_{scale}") for scale in SCALES}
        results["reused_databases"] = True
    else:
        urls = build_databases(base, results["timings"])
    collectstatic()
    rounds = "10" if args.quick else "40"
    if not args.skip_pages:
        results["pages"] = {}
        for scale, url in urls.items():
            out = OUT_DIR / f"pages-{scale}.json"
            results["timings"][f"pages_{scale}_s"] = run(
                [PY, "-m", "tests.bench.pages", "--out", str(out), "--rounds", rounds],
                env_for(url, production=True), f"page latency {scale}")
            results["pages"][scale] = read(out)
    log("scoring engine")
    results["scoring"] = scoring_figures()
    if not args.skip_pdf:
        out = OUT_DIR / "pdf.json"
        results["timings"]["pdf_s"] = run(
            [PY, "-m", "tests.bench.pdf", "--out", str(out), "--repeat", "3" if args.quick else "5",
             "--renders", "20" if args.quick else "100"], env_for(urls["10x"], production=True), "PDF renders")
        results["pdf"] = read(out)
    if not args.skip_load:
        out = OUT_DIR / "load.json"
        results["timings"]["load_s"] = run(
            [PY, "-m", "tests.bench.load", "--out", str(out), "--duration", "20" if args.quick else "60"],
            env_for(urls["10x"], production=True),
            "load test (nginx -> 2 gunicorn gthread replicas, wrk, 16 connections)")
        results["load"] = read(out)
    missing = []
    if not args.skip_upload:
        if os.environ.get("S3_BUCKET"):
            out = OUT_DIR / "upload.json"
            results["timings"]["upload_s"] = run(
                [PY, "-m", "tests.bench.upload", "--out", str(out), "--mb", str(UPLOAD_MB)],
                env_for(urls["10x"], production=True), f"{UPLOAD_MB} MB evidence upload and download on S3")
            results["upload"] = read(out)
        else:
            missing.append(f"{UPLOAD_MB} MB evidence on S3 (S3_BUCKET is not set)")
    if not args.skip_renders:  # last: it adds memos and documents to the 10x database
        if os.environ.get("REDIS_URL"):
            out = OUT_DIR / "renders.json"
            count = 20 if args.quick else RENDERS
            results["timings"]["renders_s"] = run(
                [PY, "-m", "tests.bench.renders", "--out", str(out), "--renders", str(count), "--workers", "2"],
                env_for(urls["10x"], production=True, broker=True), f"{count} memo renders over 2 workers")
            results["renders"] = read(out)
        else:
            missing.append("memo renders over two workers (REDIS_URL is not set)")
    rows = evaluate(results)
    if results["timings"].get("seed_demo_failed"):
        rows.append({"what": "seed_demo on PostgreSQL (memo, contract and PDF figures need it)",
                     "figure": "failed", "target": "runs", "ok": False, "verdict": "FAIL"})
    for what in missing:
        rows.append({"what": what, "figure": "not measured", "target": "measured", "ok": False, "verdict": "FAIL"})
    results["targets"] = rows
    results["timings"]["total_s"] = time.perf_counter() - started
    with open(OUT_DIR / "results.json", "w") as handle:
        json.dump(results, handle, indent=2, default=str)
    print_tables(results, rows)
    print(f"\nWritten to {OUT_DIR / 'results.json'} in {results['timings']['total_s'] / 60:.1f} min.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
