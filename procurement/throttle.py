"""Throttling the step-up that guards a sign-off: the password re-entry, or a passkey signature.

Signing a decision memo asks for the signer's password again, or for a signature with one of their passkeys
(procurement.passkeys). Both go through `check`: a failed passkey signature counts exactly as a wrong password
(one counter per person, the same limit and cool-off), a pause refuses a valid passkey as it refuses the right
password, and a success of either clears the count. Someone at an unlocked desk could otherwise try
passwords there without limit, beside django-axes (which guards only the sign-in form). Wrong passwords are
counted per user in the cache; after BATON_SIGNOFF_FAILURE_LIMIT of them the user must wait
BATON_SIGNOFF_COOLOFF_MINUTES (a cool-off, never a permanent lock) — even the right password is refused
meanwhile. A right password clears the count.

The count is kept per user and never per address: whoever holds the session cannot start afresh by moving to
another network. It lives in the cache, not in a table, so that it survives the rollback of the refused
sign-off's transaction. With CACHE_URL set (procurement.conf.caching) that cache is Redis, shared by every web
replica and worker, so wrong passwords typed against several replicas add up to one count; with CACHE_URL unset
(the embedded default, one process) each process counts on its own.

If the shared cache cannot be reached (Redis down), signing goes on and the count falls back to this process's
memory until it is back, logged as an error: still a bounded number of guesses (the limit per process and
cool-off), where refusing every sign-off would let a Redis outage stop all approvals.

Every counted wrong password and every refusal during a pause is logged (logger ``procurement.throttle``) with
the user and, when the caller passes it, the client's address (procurement.client_address) — the address is for
the people reading the log, it plays no part in the count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

PREFIX = "baton:stepup:"
_UNREACHABLE = (RedisError, OSError)
_fallback = LocMemCache("baton-stepup-fallback", {"TIMEOUT": None})


def _cache(method: str, *args, **kwargs):
    """Call `method` on the shared cache, or on this process's fallback while the shared one is unreachable."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except _UNREACHABLE as exc:
        logger.error("Shared cache unreachable (%s): sign-off passwords are counted in this process only until it "
                     "is back", exc)
        return getattr(_fallback, method)(*args, **kwargs)


def _key(user) -> str:
    return f"{PREFIX}{user.pk}:{user.username}"


def _limit() -> int:
    return int(settings.BATON_SIGNOFF_FAILURE_LIMIT)


def _cooloff_seconds() -> int:
    return int(settings.BATON_SIGNOFF_COOLOFF_MINUTES) * 60


def failures(user) -> int:
    return int(_cache("get", _key(user), 0))


def refusal_message() -> str:
    minutes = int(settings.BATON_SIGNOFF_COOLOFF_MINUTES)
    return (f"Too many wrong passwords or failed passkey signatures. Signing is paused for {minutes} minutes; "
            "nothing was recorded. Wait, then try again.")


def ensure_not_paused(user, field: str = "password", *, client_address: str | None = None) -> None:
    """Raise a ValidationError on `field` while the user is cooling off after too many wrong passwords."""
    count = failures(user)
    if count >= _limit():
        logger.warning("Sign-off refused: signing is paused for user %s (%s) after %d wrong passwords; client %s",
                       user.pk, user.username, count, client_address or "unknown")
        raise ValidationError({field: refusal_message()})


def record_failure(user, *, client_address: str | None = None, what: str = "password") -> int:
    """Count one failed step-up (`what`: "password" or "passkey signature"); the window (and, at the limit, the
    pause) lasts the cool-off from now. add + incr are atomic in the cache, so two failures at once both count."""
    count = _count_failure(user)
    limit = _limit()
    if count >= limit:
        logger.warning("Wrong sign-off %s %d of %d for user %s (%s): signing is paused for %d minutes; "
                       "client %s", what, count, limit, user.pk, user.username,
                       int(settings.BATON_SIGNOFF_COOLOFF_MINUTES), client_address or "unknown")
    else:
        logger.warning("Wrong sign-off %s %d of %d for user %s (%s); client %s",
                       what, count, limit, user.pk, user.username, client_address or "unknown")
    return count


def _count_failure(user) -> int:
    key, timeout = _key(user), _cooloff_seconds()
    if _cache("add", key, 1, timeout=timeout):
        return 1
    try:
        count = _cache("incr", key)
    except ValueError:  # expired between add and incr
        _cache("add", key, 1, timeout=timeout)
        return 1
    _cache("touch", key, timeout=timeout)
    return count


def clear(user) -> None:
    _cache("delete", _key(user))


def check[T](user, attempt: Callable[[], T], *, field: str, what: str = "password",
          client_address: str | None = None) -> T:
    """The step-up check: refused while paused; otherwise `attempt()` runs. A ValidationError from it is counted
    and re-raised on `field` (at the limit, as the pause); success clears the count and returns its result.
    `client_address` (procurement.client_address.client_address(request), when a request is at hand) only goes
    to the log."""
    ensure_not_paused(user, field, client_address=client_address)
    try:
        result = attempt()
    except ValidationError as exc:
        if record_failure(user, client_address=client_address, what=what) >= _limit():
            raise ValidationError({field: refusal_message()}) from exc
        raise ValidationError({field: exc.messages}) from exc
    clear(user)
    return result


def check_password(user, password: str, *, field: str = "password", wrong: str,
                   client_address: str | None = None) -> None:
    """The password step-up: refused while paused; a wrong password is counted and refused with `wrong`."""

    def attempt() -> None:
        if not password or not user.check_password(password):
            raise ValidationError(wrong)

    check(user, attempt, field=field, client_address=client_address)
