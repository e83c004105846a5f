"""Liveness and readiness probes (django-health-check), open to anyone and telling nothing.

/health/live/   the process answers. It touches no database, cache or broker, so a slow dependency never gets
                a healthy web process restarted.
/health/ready/  the dependencies a request needs answer: the database, the cache, the private storage and, when
                REDIS_URL is set, the broker. On the embedded default (no REDIS_URL, Celery eager) the first three.
/health/workers/ some Celery worker is alive (when REDIS_URL is set; on the embedded default there are no workers
                to ask and it answers ok). For monitoring and alerting, not for a web replica's readiness: a web
                replica serves pages without a worker (renders wait in PENDING and the sweeper re-queues them),
                so a dead worker must not take every web replica out of the load balancer.

Both answer 200 or 503 with a one-word body. What failed goes to the log (health_check logs each failure),
never into the response: no host names, versions, exception texts or counts for an anonymous caller.

The worker check reads the freshness of `WorkerHeartbeat` rather than pinging the workers over the broker:
beat queues the heartbeat task every minute and a worker writes the row, so a fresh row proves the whole loop
(beat, broker, worker, database) works, for one indexed query. A Celery ping would broadcast on the broker and
wait out its timeout on every probe of every web process, and a worker busy with a long render may not answer.
The price: a dead worker is noticed only once its row is older than BATON_HEARTBEAT_FRESH_SECONDS (180 s).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker (Redis at REDIS_URL) answers a PING."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=2), repr=False)

    def run(self) -> None:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=self.timeout.total_seconds(),
                                      socket_timeout=self.timeout.total_seconds())
        try:
            client.ping()
        except (redis.RedisError, OSError) as exc:
            raise ServiceUnavailable("broker unreachable") from exc
        finally:
            client.close()


@dataclasses.dataclass
class WorkerHeartbeatFresh(HealthCheck):
    """Some worker wrote its heartbeat within BATON_HEARTBEAT_FRESH_SECONDS."""

    async def run(self) -> None:
        from procurement.models import WorkerHeartbeat

        fresh_for = datetime.timedelta(seconds=settings.BATON_HEARTBEAT_FRESH_SECONDS)
        # The async ORM runs the query on the request's own thread and connection (no stray connections).
        if not await WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - fresh_for).aexists():
            raise ServiceUnavailable("no worker reported recently")


def readiness_checks() -> list:
    checks: list = [
        "health_check.checks.Database",
        "health_check.checks.Cache",
        "health_check.checks.Storage",
    ]
    if settings.REDIS_URL:
        checks.append(Broker)
    return checks


def worker_checks() -> list:
    return [WorkerHeartbeatFresh] if settings.REDIS_URL else []


class ReadinessView(HealthCheckView):
    """django-health-check's view, answering with the status code and one word only."""

    @property
    def checks(self):
        return readiness_checks()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        if any(result.error for result in results):
            return _answer("unavailable", 503)
        return _answer("ok", 200)


def _answer(text: str, status: int) -> HttpResponse:
    response = HttpResponse(text + "\n", content_type="text/plain; charset=utf-8", status=status)
    add_never_cache_headers(response)
    return response


@login_not_required
@require_safe
def live(request) -> HttpResponse:
    """The process is up and serving; nothing else is looked at."""
    return _answer("ok", 200)


class WorkersView(ReadinessView):
    @property
    def checks(self):
        return worker_checks()


ready = login_not_required(ReadinessView.as_view())
workers = login_not_required(WorkersView.as_view())
