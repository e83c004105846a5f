"""Liveness and readiness (procurement.health): open to anonymous probes, a one-word body, 503 when a dependency
is down (a real connection to a port nobody listens on, not a mock)."""

import socket

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port() -> int:
    """A loopback port with nothing listening: bound, then released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_reveals_nothing(response, *, port: int | None = None) -> None:
    body = response.content.decode()
    assert body in ("ok\n", "unavailable\n")
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    if port is not None:
        assert str(port) not in body


def test_liveness_answers_anonymous_callers_without_touching_a_dependency(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert_reveals_nothing(response)
    assert client.post("/health/live/").status_code == 405


def test_readiness_is_200_on_the_embedded_default(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/health/ready/", HTTP_ACCEPT="application/json")  # any Accept: the same answer
    assert response.status_code == 200 and response.content == b"ok\n"
    assert_reveals_nothing(response)
    assert "X-Request-ID" in response


def test_readiness_is_503_when_the_cache_is_unreachable(client, settings):
    settings.REDIS_URL = ""
    port = closed_port()
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                               "LOCATION": f"redis://127.0.0.1:{port}/0"}}):
        response = client.get("/health/ready/")
    assert response.status_code == 503 and response.content == b"unavailable\n"
    assert_reveals_nothing(response, port=port)
    assert client.get("/health/live/").status_code == 200  # liveness does not care


def test_readiness_is_503_when_the_broker_is_unreachable(client, settings):
    port = closed_port()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert_reveals_nothing(response, port=port)


def test_readiness_is_503_when_the_database_is_unreachable(settings):
    """In a subprocess: the database of this one is the test database and must stay reachable."""
    import os
    import subprocess
    import sys

    port = closed_port()
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/health/ready/')\n"
        "print(r.status_code, repr(r.content.decode()))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "procurement.settings", "BATON_TESTING": "1",
           "DATABASE_URL": f"postgres://baton@127.0.0.1:{port}/baton", "REDIS_URL": "", "CACHE_URL": ""}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                          cwd=settings.BASE_DIR)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "503 'unavailable\\n'"
    assert str(port) not in done.stdout


def test_readiness_checks_the_broker_and_the_worker_probe_the_heartbeat_when_a_broker_is_configured(settings):
    from procurement.health import Broker, WorkerHeartbeatFresh, readiness_checks, worker_checks

    settings.REDIS_URL = ""
    assert readiness_checks() == ["health_check.checks.Database", "health_check.checks.Cache",
                                  "health_check.checks.Storage"]
    assert worker_checks() == []
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    # A web replica's readiness never waits on a worker: pages are served while renders queue.
    assert readiness_checks() == ["health_check.checks.Database", "health_check.checks.Cache",
                                  "health_check.checks.Storage", Broker]
    assert worker_checks() == [WorkerHeartbeatFresh]


def test_probes_are_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.REDIS_URL = ""
    assert client.get("/health/live/").status_code == 200
    assert client.get("/health/ready/").status_code == 200
    assert client.get("/health/workers/").status_code == 200
    assert client.get("/healthz/page/").status_code == 301  # everything else is still redirected
