"""Mixed-page load through nginx against two web replicas (gunicorn gthread), driven by wrk from another process.

``python -m tests.bench.load --out FILE [--duration 60] [--connections 16] [--replicas 2] [--threads 4]``, on
the database in DATABASE_URL:

1. makes a signed-in session for each benchmark user (rows in the session table, no password involved);
2. starts the cluster (tests/cluster.py): ``--replicas`` gunicorn instances, each one gthread worker with
   ``--threads`` threads, DEBUG=0, behind nginx on a free loopback port; everything stopped by PID at the end;
3. runs wrk against nginx with a Lua script that walks the page mix, each request carrying its user's session
   cookie, then the floor page alone under the same concurrency and duration;
4. writes requests/s, p50/p95/p99 (ms) and errors for both runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LUA = r"""
local pages = {
%(pages)s
}
local counter = 0
request = function()
  counter = counter + 1
  local page = pages[(counter %% #pages) + 1]
  return wrk.format("GET", page[1], {["Cookie"] = page[2]})
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, '
    .. '"timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


def sessions_and_mix() -> tuple[list[tuple[str, str]], tuple[str, str]]:
    """(path, cookie) pairs: the page mix, each with the session of the user who opens it."""
    from tests.bench.pages import page_targets

    cookies: dict[str, str] = {}
    mix = []
    pages = page_targets()
    for page in pages:
        if page["user"] not in cookies:
            cookies[page["user"]] = session_cookie(page["user"])
        if page["name"] != "floor":
            mix.append((page["url"], cookies[page["user"]]))
    floor = next(p for p in pages if p["name"] == "floor")
    return mix, (floor["url"], cookies[floor["user"]])


def run_wrk(base: str, pages: list[tuple[str, str]], *, duration: int, connections: int, threads: int = 2) -> dict:
    lines = ",\n".join(f'  {{"{path}", "{cookie}"}}' for path, cookie in pages)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"pages": lines})
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argv, wrk from the system packages
            [shutil.which("wrk") or "/usr/bin/wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
             "--timeout", "10s", "-s", script.name, base], capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    line = next(row for row in completed.stdout.splitlines() if row.startswith("WRKJSON "))
    raw = json.loads(line[len("WRKJSON "):])
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {"requests": raw["requests"], "rps": raw["requests"] / (raw["duration_us"] / 1e6), "errors": errors,
            "error_detail": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")},
            "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000, "duration_s": raw["duration_us"] / 1e6}


def session_cookie(username: str) -> str:
    """`name=value` of a fresh signed-in session for `username` (a row in the session table)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from procurement.accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None or shutil.which("nginx") is None:
        print("wrk and nginx are needed: apt-get install -y wrk nginx (.ci/system-deps wrk nginx as root)",
              file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    import django

    django.setup()
    from tests.cluster import Cluster

    mix, floor = sessions_and_mix()
    static_root = os.environ.get("STATIC_ROOT")
    cluster = Cluster(dict(os.environ), web=args.replicas, workers=0, proxy=True, gunicorn_workers=1,
                      threads=args.threads, worker_class="gthread", access_log=False,
                      static_root=Path(static_root) if static_root else None)
    with cluster:
        base = cluster.url
        # The floor first: a request wrk gives up on (its 10 s timeout) goes on running in the replica, so a floor
        # run after the mix would share the replicas with the mix's slowest pages. Each run is primed first
        # (imports, first queries, connections), so its first seconds do not count.
        run_wrk(base, [floor], duration=3, connections=args.connections)
        floor_run = run_wrk(base, [floor], duration=args.duration, connections=args.connections)
        run_wrk(base, mix, duration=5, connections=args.connections)
        result = {"topology": f"nginx -> {args.replicas} gunicorn replicas x 1 gthread worker x {args.threads} "
                              "threads", "replicas": args.replicas, "threads": args.threads,
                  "connections": args.connections, "pages": [p for p, _ in mix],
                  "mix": run_wrk(base, mix, duration=args.duration, connections=args.connections),
                  "floor": floor_run}
    result["ratio"] = result["mix"]["rps"] / result["floor"]["rps"] if result["floor"]["rps"] else 0.0
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=2)
    for key in ("mix", "floor"):
        r = result[key]
        print(f"  {key:5s}: {r['rps']:7.1f} req/s  p95 {r['p95_ms']:6.0f} ms  p99 {r['p99_ms']:6.0f} ms  "
              f"errors {r['errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
