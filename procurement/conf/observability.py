"""Health endpoints, structured logs with a request id, and Prometheus metrics: apps, middleware, LOGGING.

Logs
    LOG_FORMAT=plain (the default: one readable line per event) or json (one JSON object per line, for a log
    shipper). Both go through structlog's formatter, so lines written with the standard `logging` module and
    with structlog carry the same context: the request id of the request being served (`request_id`), the
    signed-in user's id, and in a Celery task the id of the request that queued it.

Request id
    Every request gets one: the proxy's `X-Request-ID` when it looks like an id (letters, digits and `._:-`,
    8 to 128 characters), otherwise a fresh random one. It is sent back in the response's `X-Request-ID` header
    and travels with every task the request queues (django-structlog's Celery integration), so a worker's lines
    about that task carry the same id.

Metrics
    /metrics (procurement.metrics) needs `Authorization: Bearer <BATON_METRICS_TOKEN>`. With
    PROMETHEUS_MULTIPROC_DIR set (an empty directory shared by every web and worker process of one host,
    emptied before they start), the page adds up the counters of all those processes; without it each process
    reports only its own.
"""

from __future__ import annotations

import logging
import re
import uuid

APPS: list[str] = ["health_check", "django_structlog", "django_prometheus"]

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_META = "HTTP_X_REQUEST_ID"
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")

# Never written to a log line, whatever logged them (compared lower-cased).
_SECRET_KEYS = frozenset({"password", "passwd", "token", "secret", "authorization", "cookie", "cookies",
                          "set-cookie", "session", "sessionid", "csrftoken", "api_key", "signing_key"})
_REDACTED = "[redacted]"
# Secrets that travel in a URL: the calendar feed's token, and query parameters named like a secret.
_CALENDAR_TOKEN = re.compile(r"(/calendar/)[^/?#\s]+(\.ics)")
_SECRET_QUERY = re.compile(r"([?&](?:token|key|secret|password|signature|sig|code)=)[^&#\s]*", re.IGNORECASE)


def _fresh_request_id() -> str:
    return uuid.uuid4().hex


def well_formed_request_id(value: str | None) -> bool:
    return bool(value) and _WELL_FORMED_ID.fullmatch(value) is not None


class RequestIdMiddleware:
    """Settles the request id before django-structlog binds it: a malformed or missing `X-Request-ID` from the
    proxy is replaced by a new id; the id is echoed in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(_REQUEST_ID_META)
        request_id = incoming if well_formed_request_id(incoming) else _fresh_request_id()
        request.META[_REQUEST_ID_META] = request_id
        request.__dict__.pop("headers", None)  # `request.headers` is cached: let it see the settled id
        request.request_id = request_id
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def middleware(base: list[str]) -> list[str]:
    """django-prometheus's pair wraps everything else (first and last), so its timings cover the whole stack;
    the request id is settled right after, before django-structlog logs the request."""
    return [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        "procurement.conf.observability.RequestIdMiddleware",
        "django_structlog.middlewares.RequestMiddleware",
        *base,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]


def _scrub_text(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1" + _REDACTED, _CALENDAR_TOKEN.sub(r"\1" + _REDACTED + r"\2", text))


def redact_secrets(logger, method_name: str, event_dict: dict) -> dict:
    """structlog processor: drop the values of keys that name a secret, and secrets inside logged URLs."""
    for key in list(event_dict):
        if key.lower() in _SECRET_KEYS:
            event_dict[key] = _REDACTED
    for key in ("request", "path", "url", "event"):
        value = event_dict.get(key)
        if isinstance(value, str):
            event_dict[key] = _scrub_text(value)
    return event_dict


def _shared_processors() -> list:
    import structlog

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]


def _configure_structlog() -> None:
    import structlog

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(env) -> dict:
    import structlog

    log_format = env.str("LOG_FORMAT", default="plain").strip().lower()
    if log_format not in ("plain", "json"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")
    _configure_structlog()
    renderer = (
        [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()] if log_format == "json"
        # Plain tracebacks, whether or not `rich` is installed: one block of text per exception that log tools
        # read as is, and about a fiftieth of the time a rich panel takes to lay out (every 403/404 logs one).
        else [structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)]
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
                # Lines from the standard `logging` module get the same context, level, time and redaction.
                "foreign_pre_chain": [*_shared_processors(), structlog.stdlib.ExtraAdder()],
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # django-structlog logs every request itself (with its id); Django's own line would repeat it.
            "django.server": {"level": "WARNING"},
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }


def settings_for(env) -> dict:
    """Other settings the observability apps need (names -> values)."""
    return {
        # The id comes from the proxy only after RequestIdMiddleware has checked (or replaced) it.
        "DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID": True,
        # Tasks carry the queuing request's context (request_id, user_id) in their message headers.
        "DJANGO_STRUCTLOG_CELERY_ENABLED": True,
        # The client address is Baton's to work out behind its proxies (procurement.conf.network); a guess from
        # a spoofable header has no place in the logs.
        "DJANGO_STRUCTLOG_IP_LOGGING_ENABLED": False,
        "DJANGO_STRUCTLOG_STATUS_4XX_LOG_LEVEL": logging.INFO,
        # GET /metrics with `Authorization: Bearer <token>`; unset: the page does not exist (404).
        "BATON_METRICS_TOKEN": env.str("BATON_METRICS_TOKEN", default=""),
        # Health probes reach the app over plain HTTP inside the network: no redirect to https for them.
        "SECURE_REDIRECT_EXEMPT": [r"^health/(live|ready|workers)/$"],
        # /health/workers/ counts a worker as present when its heartbeat is younger than this (procurement.health).
        "BATON_HEARTBEAT_FRESH_SECONDS": env.int("BATON_HEARTBEAT_FRESH_SECONDS", default=180),
    }
