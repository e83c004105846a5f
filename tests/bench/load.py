"""Mixed-page load: gunicorn (2 sync workers) on the database in DATABASE_URL, driven by wrk from another process.

``python -m tests.bench.load --out FILE [--duration 60] [--connections 16]``:

1. makes a signed-in session for each benchmark user (rows in the session table, no password involved);
2. starts gunicorn on a free loopback port (stopped by PID at the end, whatever happens);
3. runs wrk with a Lua script that walks the page mix, each request carrying its user's session cookie, then
   the floor page alone under the same concurrency and duration;
4. writes requests/s, p50/p95/p99 (ms) and errors for both runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sessions_and_mix() -> tuple[list[tuple[str, str]], tuple[str, str]]:
    """(path, cookie) pairs: the page mix, each with the session of the user who opens it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from procurement.accounts.models import User
    from tests.bench.pages import page_targets

    cookies: dict[str, str] = {}
    mix = []
    for page in page_targets():
        if page["name"] == "floor":
            continue
        if page["user"] not in cookies:
            user = User.objects.get(username=page["user"])
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            cookies[page["user"]] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        mix.append((page["url"], cookies[page["user"]]))
    floor = [(p["url"], cookies.get(p["user"])) for p in page_targets() if p["name"] == "floor"][0]
    return mix, (floor[0], floor[1] or next(iter(cookies.values())))


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk (make bench installs it when run as root)", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    import django

    django.setup()
    mix, floor = sessions_and_mix()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, loopback only, stopped by PID below
        [str(gunicorn), "procurement.wsgi", "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "--log-level", "warning"], env=os.environ.copy())
    try:
        for _ in range(150):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/accounts/login/")
                status = probe.getresponse().status
                probe.close()
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer within 30 s")
        # Prime each worker (imports, first queries) so the first seconds do not count against the pages.
        run_wrk(base, mix, duration=5, connections=args.connections)
        result = {"workers": args.workers, "connections": args.connections, "pages": [p for p, _ in mix],
                  "mix": run_wrk(base, mix, duration=args.duration, connections=args.connections),
                  "floor": run_wrk(base, [floor], duration=args.duration, connections=args.connections)}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
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
