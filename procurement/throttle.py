"""Throttling the password re-entry that guards a sign-off (step-up authentication).

Signing a decision memo asks for the signer's password again. Someone at an unlocked desk could otherwise try
passwords there without limit, beside django-axes (which guards only the sign-in form). Wrong passwords are
counted per user in the cache; after BATON_SIGNOFF_FAILURE_LIMIT of them the user must wait
BATON_SIGNOFF_COOLOFF_MINUTES (a cool-off, never a permanent lock) — even the right password is refused
meanwhile. A right password clears the count.

The count lives in the cache, not in a table, so that it survives the rollback of the refused sign-off's
transaction. With the default in-process cache each server process counts on its own; point CACHES at a shared
cache to count across processes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

PREFIX = "baton:stepup:"


def _key(user) -> str:
    return f"{PREFIX}{user.pk}:{user.username}"


def _limit() -> int:
    return int(settings.BATON_SIGNOFF_FAILURE_LIMIT)


def _cooloff_seconds() -> int:
    return int(settings.BATON_SIGNOFF_COOLOFF_MINUTES) * 60


def failures(user) -> int:
    return int(cache.get(_key(user), 0))


def refusal_message() -> str:
    minutes = int(settings.BATON_SIGNOFF_COOLOFF_MINUTES)
    return (f"Too many wrong passwords. Signing is paused for {minutes} minutes; nothing was recorded. "
            "Wait, then try again.")


def ensure_not_paused(user, field: str = "password") -> None:
    """Raise a ValidationError on `field` while the user is cooling off after too many wrong passwords."""
    if failures(user) >= _limit():
        raise ValidationError({field: refusal_message()})


def record_failure(user) -> int:
    """Count one wrong password; the window (and, at the limit, the pause) lasts the cool-off from now.
    add + incr are atomic in the cache, so two wrong attempts at once both count."""
    key, timeout = _key(user), _cooloff_seconds()
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
    cache.touch(key, timeout=timeout)
    return count


def clear(user) -> None:
    cache.delete(_key(user))


def check_password(user, password: str, *, field: str = "password", wrong: str) -> None:
    """The step-up check: refused while paused; a wrong password is counted and refused with `wrong`."""
    ensure_not_paused(user, field)
    if not password or not user.check_password(password):
        if record_failure(user) >= _limit():
            raise ValidationError({field: refusal_message()})
        raise ValidationError({field: wrong})
    clear(user)
