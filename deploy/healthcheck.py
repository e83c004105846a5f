"""Container health checks for Baton's images, run inside the container (docker-compose.yml healthchecks,
the Dockerfile's HEALTHCHECK and the beat Deployment's liveness probe).

    python deploy/healthcheck.py live     GET /health/live/ on this container's gunicorn
    python deploy/healthcheck.py ready    GET /health/ready/ (database, cache, storage, broker)
    python deploy/healthcheck.py beat     celery beat has written its schedule file recently

The HTTP checks send the Host the site answers to (the first ALLOWED_HOSTS entry) and X-Forwarded-Proto:
https, as nginx would, so neither the host check nor the HTTPS redirect turns a healthy answer into 400
or 301. Only the standard library is used: a check must not pay for importing Django.

Beat writes its schedule file after sending tasks (at most every three minutes while jobs fall due, and
the worker heartbeat falls due every minute), so a file older than BATON_BEAT_STALE_SECONDS (default 600)
means beat has stopped ticking.
"""

import glob
import os
import sys
import time
import urllib.error
import urllib.request

PATHS = {"live": "/health/live/", "ready": "/health/ready/"}
BEAT_SCHEDULE = os.environ.get("BATON_BEAT_SCHEDULE", "/tmp/celerybeat-schedule")  # noqa: S108 - an emptyDir/tmpfs


def site_host() -> str:
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        entry = entry.strip().lstrip(".")
        if entry and entry != "*":
            return entry
    return "localhost"


def check_http(path: str) -> int:
    port = os.environ.get("BATON_HEALTH_PORT", "8000")
    request = urllib.request.Request(  # noqa: S310 - a fixed http:// URL on loopback
        f"http://127.0.0.1:{port}{path}", headers={"Host": site_host(), "X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=float(os.environ.get("BATON_HEALTH_TIMEOUT", "8"))) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    print(f"{path}: HTTP {status}")
    return 0 if status == 200 else 1


def check_beat() -> int:
    files = glob.glob(BEAT_SCHEDULE + "*")
    if not files:
        print(f"no beat schedule file at {BEAT_SCHEDULE}", file=sys.stderr)
        return 1
    age = time.time() - max(os.path.getmtime(name) for name in files)
    limit = float(os.environ.get("BATON_BEAT_STALE_SECONDS", "600"))
    print(f"beat schedule written {age:.0f}s ago (limit {limit:.0f}s)")
    return 0 if age <= limit else 1


def main(argv: list[str]) -> int:
    what = argv[1] if len(argv) > 1 else "live"
    if what == "beat":
        return check_beat()
    if what in PATHS:
        return check_http(PATHS[what])
    print(f"usage: {argv[0]} live|ready|beat", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
