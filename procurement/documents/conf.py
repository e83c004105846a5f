"""Knobs of the document pipeline, each overridable by a setting of the same name."""

import os
from datetime import timedelta

from django.conf import settings

# A worker gives up on one render after these many seconds (soft: a readable failure; hard: the child dies).
# Read where the tasks are imported; the worker's own values apply (a queued render carries no limits, see
# services.enqueue_render). The environment may lower them (the fault tests do, for their worker only).
RENDER_SOFT_TIME_LIMIT = int(os.environ.get("BATON_RENDER_SOFT_TIME_LIMIT")
                             or getattr(settings, "BATON_RENDER_SOFT_TIME_LIMIT", 90))
RENDER_HARD_TIME_LIMIT = int(os.environ.get("BATON_RENDER_HARD_TIME_LIMIT")
                             or getattr(settings, "BATON_RENDER_HARD_TIME_LIMIT", 120))


def max_attempts() -> int:
    return int(getattr(settings, "BATON_DOCUMENT_MAX_ATTEMPTS", 3))


def stuck_pending_after() -> timedelta:
    """A PENDING row not picked up this long after it was queued is queued again."""
    return getattr(settings, "BATON_DOCUMENT_STUCK_PENDING_AFTER", timedelta(minutes=2))


def stuck_rendering_after() -> timedelta:
    """A RENDERING row older than this lost its worker (it exceeds the hard time limit with a margin)."""
    return getattr(settings, "BATON_DOCUMENT_STUCK_RENDERING_AFTER",
                   timedelta(seconds=RENDER_HARD_TIME_LIMIT + 60))
