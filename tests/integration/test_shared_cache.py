"""The shared cache on real Redis (CACHE_URL): the sign-off password pause and the results cache are the same for
every process, as they must be with several web replicas and workers.

Two separate Python processes, each with its own Django, stand for two replicas; they reach the test database
and the same Redis database as this process.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured, ValidationError

from awards import results
from procurement import throttle
from procurement.conf.caching import redis_cache
from tests.factories.scorecards import build_scored_procedure
from tests.integration.conftest import ROOT, _test_database_url

pytestmark = pytest.mark.integration

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
LIMIT = 5
WRONG = "That is not your password."

# One replica: Django set up from the environment, then one JSON command per line on stdin, one JSON reply per
# line on stdout.
REPLICA = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from procurement import throttle
from procurement.accounts.models import User

print(json.dumps({"backend": settings.CACHES["default"]["BACKEND"], "pid": __import__("os").getpid()}), flush=True)
for line in sys.stdin:
    command = json.loads(line)
    if command["op"] == "sign":
        user = User.objects.get(pk=command["user"])
        try:
            throttle.check_password(user, command["password"], wrong=command["wrong"])
            reply = {"refusal": None}
        except ValidationError as exc:
            reply = {"refusal": exc.message_dict["password"][0]}
        reply["failures"] = throttle.failures(user)
    elif command["op"] == "results":
        value = cache.get(command["key"])
        reply = None if value is None else {"totals": {b.key: b.total for b in value[0].ranking}}
    print(json.dumps(reply), flush=True)
"""


class Replica:
    def __init__(self, env: dict[str, str], log: Path):
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.log_path = log
        self.process = subprocess.Popen([sys.executable, "-c", REPLICA], cwd=ROOT, env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log)
        self.hello = self._read()

    def _read(self, timeout: float = 90):
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise AssertionError(f"replica {self.process.pid} gave no answer; see {self.log_path}: "
                                 f"{self.log_path.read_text()[-2000:]}")
        return json.loads(line)

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def sign(self, user, password: str):
        return self.ask(op="sign", user=user.pk, password=password, wrong=WRONG)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self._log.close()


@pytest.fixture
def replicas(tmp_path):
    if not os.environ.get("CACHE_URL"):
        pytest.fail("The shared-cache tests need CACHE_URL (a Redis database); run them via .ci/with-services.")
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "BATON_TESTING": "1",
           "DJANGO_SETTINGS_MODULE": "procurement.settings", "BATON_SIGNOFF_FAILURE_LIMIT": str(LIMIT)}
    started: list[Replica] = []

    def start() -> Replica:
        replica = Replica(env, tmp_path / f"replica-{len(started)}.log")
        started.append(replica)
        return replica

    yield start
    for replica in started:
        replica.stop()


@pytest.fixture
def clean_cache():
    cache.clear()  # the cache's own Redis database only (the broker uses another)
    yield
    cache.clear()


def _redis():
    return cache._cache.get_client(write=True)


# --- configuration ------------------------------------------------------------------------------------------
def test_cache_url_gives_djangos_redis_backend_with_the_baton_prefix():
    default = settings.CACHES["default"]

    assert default["BACKEND"] == REDIS_BACKEND
    assert default["LOCATION"] == os.environ["CACHE_URL"]
    assert default["KEY_PREFIX"] == "baton"
    assert isinstance(caches["default"], RedisCache)
    cache.set("probe", {"ok": True}, 30)
    assert _redis().exists(cache.make_key("probe")) == 1  # it really is in Redis, under baton:
    assert cache.make_key("probe").startswith("baton:")
    cache.delete("probe")


def test_redis_and_rediss_urls_are_passed_to_redis_py_whole():
    secure = redis_cache("rediss://:s3cret@cache.internal:6380/2")

    assert secure["BACKEND"] == REDIS_BACKEND
    assert secure["LOCATION"] == "rediss://:s3cret@cache.internal:6380/2"
    assert secure["OPTIONS"]["socket_timeout"] > 0 and secure["OPTIONS"]["socket_connect_timeout"] > 0
    assert redis_cache("redis://cache.internal")["LOCATION"] == "redis://cache.internal"


@pytest.mark.parametrize(("url", "says"), [
    ("memcache://cache.internal:11211", "redis:// or rediss://"),
    ("locmem://", "redis:// or rediss://"),
    ("cache.internal:6379", "redis:// or rediss://"),
    ("redis://cache.internal:port/1", "invalid host or port"),
    ("redis:///1", "names no host"),
    ("redis://:s3cret@cache.internal:6379/cache", "database number"),
])
def test_any_other_cache_url_is_refused_at_start_up(url, says):
    with pytest.raises(ImproperlyConfigured, match=says) as refused:
        redis_cache(url)

    assert "s3cret" not in str(refused.value)  # a password never reaches the error message


def test_an_unset_cache_url_keeps_a_cache_inside_each_process(monkeypatch):
    import environ

    from procurement.conf.caching import caches

    monkeypatch.delenv("CACHE_URL", raising=False)

    assert caches(environ.Env())["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


# --- the sign-off password pause across processes ------------------------------------------------------------
@pytest.mark.usefixtures("clean_cache")
def test_wrong_sign_off_passwords_typed_at_two_replicas_add_up_to_one_pause(replicas, make_user, settings):
    settings.BATON_SIGNOFF_FAILURE_LIMIT = LIMIT
    approver = make_user()
    first, second = replicas(), replicas()
    assert first.hello["backend"] == second.hello["backend"] == REDIS_BACKEND
    assert first.hello["pid"] != second.hello["pid"] != os.getpid()

    for count in (1, 2, 3):
        assert first.sign(approver, f"guess-{count}") == {"refusal": WRONG, "failures": count}
    assert second.sign(approver, "guess-4") == {"refusal": WRONG, "failures": 4}
    fifth = second.sign(approver, "guess-5")

    # The fifth wrong password, three of them typed at the other replica, starts the pause...
    assert fifth == {"refusal": throttle.refusal_message(), "failures": LIMIT}
    # ...which both replicas, and this process, now apply, even to the right password.
    from tests.factories.accounts import TEST_PASSWORD

    assert first.sign(approver, TEST_PASSWORD) == {"refusal": throttle.refusal_message(), "failures": LIMIT}
    assert second.sign(approver, TEST_PASSWORD) == {"refusal": throttle.refusal_message(), "failures": LIMIT}
    with pytest.raises(ValidationError) as refused:
        throttle.check_password(approver, TEST_PASSWORD, wrong=WRONG)
    assert refused.value.message_dict["password"] == [throttle.refusal_message()]

    # One count in Redis, expiring with the cool-off.
    key = cache.make_key(throttle._key(approver))
    assert int(_redis().get(key)) == LIMIT
    assert 0 < _redis().ttl(key) <= settings.BATON_SIGNOFF_COOLOFF_MINUTES * 60


@pytest.mark.usefixtures("clean_cache")
def test_the_pause_is_per_user_across_replicas(replicas, make_user, settings):
    settings.BATON_SIGNOFF_FAILURE_LIMIT = LIMIT
    paused, other = make_user(), make_user()
    first, second = replicas(), replicas()
    for n in range(LIMIT):
        (first if n % 2 else second).sign(paused, f"guess-{n}")

    assert first.sign(other, "a wrong one") == {"refusal": WRONG, "failures": 1}
    assert throttle.failures(paused) == LIMIT and throttle.failures(other) == 1


# --- the results cache ----------------------------------------------------------------------------------------
@pytest.mark.usefixtures("clean_cache")
def test_the_results_cache_round_trips_through_redis_and_is_shared(replicas):
    procedure = build_scored_procedure(bids=3, criteria=4, evaluators=2, flagged=False)

    cold = results.procedure_results(procedure, samples=500)
    stored = cache.get(cold.cache_key)  # unpickled from what Redis holds, not an object in this process
    warm = results.procedure_results(procedure, samples=500)

    assert _redis().exists(cache.make_key(cold.cache_key)) == 1
    result, sensitivity, monte_carlo = stored
    assert result is not cold.result
    assert result == cold.result  # every dataclass field (the NumPy arrays are compared below)
    assert np.array_equal(result._scores, cold.result._scores)
    assert np.array_equal(result._weights, cold.result._weights)
    assert sensitivity == cold.sensitivity
    assert monte_carlo == cold.monte_carlo
    assert warm.cache_key == cold.cache_key
    assert [(b.key, b.total, b.rank) for b in warm.result.ranking] == \
        [(b.key, b.total, b.rank) for b in cold.result.ranking]
    assert warm.snapshot() == cold.snapshot()
    assert warm.heatmap_svg() == cold.heatmap_svg()  # the heatmap SVG is cached too, as a string

    # Another replica reads the same entry.
    assert replicas().ask(op="results", key=cold.cache_key) == \
        {"totals": {b.key: b.total for b in cold.result.ranking}}
