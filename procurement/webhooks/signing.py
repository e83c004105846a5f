"""The signature scheme (docs/webhooks.md): v1=hex(HMAC-SHA256(secret, f"{timestamp}.{body}")).

`timestamp` is the sending time in whole seconds since the Unix epoch, sent in the Baton-Timestamp header; the
body is the exact bytes of the request body (UTF-8 JSON). A receiver recomputes the value over the body it got,
compares in constant time, and refuses a timestamp too far from its own clock (replays).
"""

from __future__ import annotations

import hashlib
import hmac

SCHEME = "v1"
HEADER_EVENT = "Baton-Event"
HEADER_DELIVERY = "Baton-Delivery"
HEADER_TIMESTAMP = "Baton-Timestamp"
HEADER_SIGNATURE = "Baton-Signature"
DEFAULT_TOLERANCE = 300  # seconds


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return f"{SCHEME}=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, *, header: str, timestamp: str, body: bytes, now: float,
           tolerance: int = DEFAULT_TOLERANCE) -> bool:
    """True when `header` carries a v1 signature of (timestamp, body) under `secret`, made within `tolerance`
    seconds of `now`. Several comma-separated values are accepted (one matching is enough)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent) > tolerance:
        return False
    expected = signature(secret, sent, body)
    return any(hmac.compare_digest(expected, value.strip()) for value in (header or "").split(","))
