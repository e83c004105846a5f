"""CACHES: one shared cache for throttles and the results cache (CACHE_URL), local memory when unset.

Two things in Baton live in the cache and must be the same for every web replica and worker: the count of
wrong sign-off passwords (procurement.throttle) and the scoring engine's results (awards.results). With
CACHE_URL unset each process keeps its own LocMemCache, which is right for the embedded default (one process)
and for the fast tests, and wrong for several replicas. CACHE_URL accepts:

    redis://[[user]:password@]host[:port][/db]     Redis over TCP
    rediss://[[user]:password@]host[:port][/db]    Redis over TLS

Both go to Django's own RedisCache backend (django.core.cache.backends.redis.RedisCache, which talks to Redis
through redis-py). django-environ's cache_url is not used on purpose: it maps redis:// to django-redis when that
package happens to be installed, and accepts schemes Baton does not run on. Any other value is refused at
start-up with ImproperlyConfigured rather than quietly falling back to a per-process cache.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

KEY_PREFIX = "baton"
# The default lifetime of an entry that names none; the throttle and the results cache pass their own.
DEFAULT_TIMEOUT_SECONDS = 300
# How long a request may wait on Redis before it fails, rather than hanging a worker on a dead connection.
REDIS_CONNECT_TIMEOUT_SECONDS = 2
REDIS_SOCKET_TIMEOUT_SECONDS = 2
REDIS_SCHEMES = ("redis", "rediss")


def caches(env) -> dict:
    url = env.str("CACHE_URL", default="").strip()
    if not url:
        return {"default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "baton",
            "KEY_PREFIX": KEY_PREFIX,
            "TIMEOUT": DEFAULT_TIMEOUT_SECONDS,
        }}
    return {"default": redis_cache(url)}


def redis_cache(url: str) -> dict:
    """The CACHES entry for a redis:// or rediss:// URL; ImproperlyConfigured for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES:
        raise ImproperlyConfigured(
            f"CACHE_URL must be a redis:// or rediss:// URL (or unset, for a cache inside each process); "
            f"the scheme {parts.scheme or '(none)'!r} is not supported.")
    try:
        host, _port = parts.hostname, parts.port  # reading the port validates it
    except ValueError as exc:  # a port that is not a number, or several hosts separated by commas
        raise ImproperlyConfigured(f"CACHE_URL has an invalid host or port: {_without_password(url)}") from exc
    if not host:
        raise ImproperlyConfigured(f"CACHE_URL names no host: {_without_password(url)}")
    database = parts.path.strip("/")
    if database and not database.isdigit():
        raise ImproperlyConfigured(
            f"CACHE_URL must end in a Redis database number (such as /1), not /{database}: {_without_password(url)}")
    # redis-py reads the host, port, password, database and TLS from the URL itself.
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": KEY_PREFIX,
        "TIMEOUT": DEFAULT_TIMEOUT_SECONDS,
        "OPTIONS": {
            "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            # No retries: redis-py's default retries a dropped connection with a growing back-off, which made each
            # page wait ~20 s with Redis down. The callers handle a failed call at once (procurement.throttle,
            # awards.results).
            "retry": no_retry(),
        },
    }


def no_retry():
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return Retry(NoBackoff(), 0)


def _without_password(url: str) -> str:
    """The URL as it may appear in an error message: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
