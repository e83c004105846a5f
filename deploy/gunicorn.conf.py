"""Gunicorn settings for Baton's web containers (docker-compose.yml and deploy/kubernetes/20-web.yaml).

Threads rather than more processes: a request mostly waits on PostgreSQL, Redis or S3, and each process
holds its own copy of Django and WeasyPrint. Every number can be changed from the environment without
rebuilding the image.
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside a container, behind nginx/Ingress
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A worker that has not answered the arbiter for this long is replaced. Kept a little above nginx's
# proxy_read_timeout so nginx gives up first and the client sees a clean 504.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "65"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Longer than nginx's upstream keepalive_timeout, so it is always nginx that closes an idle connection.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "10"))
# Recycle processes now and then: PDF rendering and big spreadsheets leave memory behind.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# The heartbeat files live in memory, not on a root filesystem that may be read-only.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm")  # noqa: S108 - a tmpfs, by design
# Django logs each request itself (LOG_FORMAT=json); the gunicorn access log is off unless asked for.
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "0") == "1" else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Django, not gunicorn, reads X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) and X-Forwarded-For
# (BATON_TRUSTED_PROXY_COUNT); gunicorn's own forwarded_allow_ips stays at its loopback-only default.


def on_starting(server):
    """Start every run with an empty Prometheus multiprocess directory: files left by a previous run would be
    added to this run's counters."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A worker process ended: drop its live gauges from the shared Prometheus files."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
