"""One HTTP POST to a checked target, connecting to the address the guard checked (no second DNS lookup).

urllib3 is used directly so the connection goes to `Target.address` while TLS still verifies the certificate
for the host name (SNI and hostname check use `Target.host`) and the Host header names the host. No redirect is
followed and nothing is retried here: a 3xx is a failed attempt like any other non-2xx, and the delivery's own
back-off decides when to try again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3

from procurement.webhooks.urlsafety import Target

EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _ca_bundle() -> str | None:
    try:
        import certifi
    except ImportError:  # pragma: no cover - the system's trust store then
        return None
    return certifi.where()


def post(target: Target, *, body: bytes, headers: dict[str, str], connect_timeout: float,
         read_timeout: float) -> Outcome:
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address, port=target.port, timeout=timeout, retries=False, maxsize=1, cert_reqs="CERT_REQUIRED",
            ca_certs=_ca_bundle(), server_hostname=target.host, assert_hostname=target.host)
    else:
        pool = urllib3.HTTPConnectionPool(target.address, port=target.port, timeout=timeout, retries=False,
                                          maxsize=1)
    headers = {**headers, "Host": target.host_header, "Accept-Encoding": "identity", "Connection": "close"}
    started = time.monotonic()
    try:
        response = pool.urlopen("POST", target.path, body=body, headers=headers, redirect=False, retries=False,
                                preload_content=False, assert_same_host=False, release_conn=False)
        try:
            excerpt = response.read(EXCERPT_BYTES, decode_content=False) or b""
        except (urllib3.exceptions.HTTPError, OSError):
            excerpt = b""
        finally:
            response.close()
        return Outcome(response.status, excerpt.decode("utf-8", "replace"), "", _ms(started))
    except urllib3.exceptions.HTTPError as exc:
        return Outcome(None, "", _describe(exc), _ms(started))
    except OSError as exc:
        return Outcome(None, "", f"{type(exc).__name__}: {exc}"[:500], _ms(started))
    finally:
        pool.close()


def _ms(started: float) -> int:
    return max(0, round((time.monotonic() - started) * 1000))


def _describe(exc: Exception) -> str:
    errors = urllib3.exceptions
    reason = getattr(exc, "reason", None) or exc

    def either(kind) -> bool:
        return isinstance(exc, kind) or isinstance(reason, kind)

    if either(errors.ReadTimeoutError):
        return "Timed out waiting for the response."
    if either(errors.SSLError):
        return f"TLS failed: {reason}"[:500]
    if either(errors.NewConnectionError):  # a subclass of ConnectTimeoutError: asked first
        return "Could not connect (refused or unreachable)."
    if either(errors.ConnectTimeoutError):
        return "Timed out connecting."
    return f"{type(exc).__name__}: {reason}"[:500]
