"""Handing a task to the broker from the end of a person's request: one connection attempt, no publish retries.

Left to itself kombu spends about 6 s retrying a refused connection. Callers keep a row that a sweeper or the next
scheduled run picks up, so a broker outage is logged and answered with False, never raised into the request.
"""

import logging

from kombu.exceptions import KombuError
from kombu.exceptions import OperationalError as BrokerOperationalError

logger = logging.getLogger(__name__)

BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerOperationalError, KombuError, OSError)
try:  # the redis client's own errors when the transport lets them through unwrapped
    from redis.exceptions import RedisError

    BROKER_ERRORS = (*BROKER_ERRORS, RedisError)
except ImportError:  # pragma: no cover
    pass


def enqueue_fail_fast(task, *, args=(), kwargs=None, what: str, **options) -> bool:
    """Queue `task` (run it here in eager mode); False, with `what` in the log, when the broker cannot take it."""
    kwargs = kwargs or {}
    app = task.app
    try:
        if app.conf.task_always_eager:  # the embedded default: the task runs right here
            task.apply_async(args=args, kwargs=kwargs, **options)
            return True
        # A new connection, not one from the pool: a pooled connection opened before the broker went away fails
        # only when used, and redis-py then retries it with a growing back-off (seconds per publish); a new one
        # is refused at once. Queueing happens a few times per person's action, so the extra connect is cheap.
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            task.apply_async(args=args, kwargs=kwargs, retry=False, connection=connection, **options)
    except BROKER_ERRORS as exc:
        logger.error("Could not queue %s (%s: %s).", what, type(exc).__name__, exc)
        return False
    return True
