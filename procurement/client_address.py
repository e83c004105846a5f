"""The address of the person making a request, as far as Baton can trust it.

Behind a reverse proxy REMOTE_ADDR is the proxy's own address, the same for everybody. Each proxy that follows
the usual convention (nginx: ``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;``) appends the
address of whoever connected to it to X-Forwarded-For, after whatever the incoming request already carried. So
with BATON_TRUSTED_PROXY_COUNT = N proxies in front of Baton:

    X-Forwarded-For: <anything the client wrote>, <client>, <proxy 1>, ..., <proxy N-1>
    REMOTE_ADDR:     <proxy N>

Only the right-most N entries were written by proxies Baton trusts; the N-th from the right is the client.
Everything to the left of them came from the client and may be forged, so it is cut off before anything
parses it (a stray quote or comma there cannot shift what is read). The N entries that remain go to
python-ipware, the engine behind django-ipware 8, in strict mode: every entry must be a valid address and there
must be exactly N of them. ipware's ``proxy_count`` counts the proxies listed in the header after the client,
which is N - 1, because the last proxy appears only as REMOTE_ADDR.

With N = 0 (the default: Baton reached directly, or through something that does not forward the header) only
REMOTE_ADDR is read and X-Forwarded-For is ignored whatever it says. When a request has fewer entries than N
(it did not come through all the proxies, e.g. a health check from inside the network), REMOTE_ADDR is used.

django-axes reads the address through ``client_address`` (AXES_CLIENT_IP_CALLABLE, procurement.conf.network).
"""

from __future__ import annotations

from django.conf import settings
from python_ipware import IpWare

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
REMOTE_ADDR = "REMOTE_ADDR"


def trusted_proxy_count() -> int:
    return int(getattr(settings, "BATON_TRUSTED_PROXY_COUNT", 0))


def client_address(request) -> str | None:
    """The client's address for `request` (a Django HttpRequest or anything with a ``META`` mapping), or None
    when the request carries no usable address at all."""
    meta = getattr(request, "META", None) or {}
    count = trusted_proxy_count()
    if count > 0:
        address = forwarded_address(meta.get(FORWARDED_FOR, ""), count)
        if address is not None:
            return address
    return _single_address(meta.get(REMOTE_ADDR, ""))


def forwarded_address(header: str, proxies: int) -> str | None:
    """The client's address in an X-Forwarded-For value that `proxies` trusted proxies have added to, or None
    when the proxies' part of the header is missing or malformed."""
    if proxies < 1 or not isinstance(header, str):
        return None
    entries = [entry.strip() for entry in header.split(",")]
    if len(entries) < proxies:
        return None
    written_by_proxies = ", ".join(entries[-proxies:])
    engine = IpWare(precedence=(FORWARDED_FOR,), proxy_count=proxies - 1)
    address, _trusted = engine.get_client_ip({FORWARDED_FOR: written_by_proxies}, strict=True)
    return None if address is None else str(address)


def _single_address(value: str) -> str | None:
    if not isinstance(value, str):
        return None
    engine = IpWare(precedence=(REMOTE_ADDR,), proxy_count=0)
    address, _trusted = engine.get_client_ip({REMOTE_ADDR: value}, strict=True)
    return None if address is None else str(address)


def bind_to_log_context(request, logger=None, log_kwargs=None, **kwargs) -> None:
    """django-structlog's `bind_extra_request_metadata` receiver: every log line of the request carries the real
    client address as `client_ip` (django-structlog's own IP logging is off: it would trust forged headers)."""
    import structlog

    structlog.contextvars.bind_contextvars(client_ip=client_address(request))
