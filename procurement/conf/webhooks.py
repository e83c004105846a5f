"""Webhooks settings (issue 19): read from the environment only; see procurement.conf and docs/webhooks.md.

- BATON_WEBHOOK_ALLOWED_HOSTS: comma-separated host names a subscription may point at ("hooks.example.com", or
  ".example.com" for the domain and every name under it). Empty: any host whose addresses are all public.
- BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS: comma-separated CIDR blocks (e.g. "10.20.0.0/16") whose addresses are
  accepted although they are not public. Empty: only public addresses.
- BATON_WEBHOOK_ALLOW_HTTP: accept plain http:// URLs (off: https only).
- BATON_WEBHOOK_MAX_ATTEMPTS, BATON_WEBHOOK_RETRY_BASE_SECONDS, BATON_WEBHOOK_RETRY_MAX_SECONDS: how often and
  how far apart a failing delivery is tried again (base × 2^(n-1) seconds, capped, with ±20 % jitter).
- BATON_WEBHOOK_CONNECT_TIMEOUT, BATON_WEBHOOK_READ_TIMEOUT: seconds per attempt.
- BATON_WEBHOOK_SWEEP_AFTER_SECONDS: how late a waiting delivery is before the sweeper queues it again.
"""

import ipaddress

from django.core.exceptions import ImproperlyConfigured


def _networks(values: list[str]) -> list[str]:
    checked = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            checked.append(str(ipaddress.ip_network(value, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS: {value!r} is not a network in CIDR form (e.g. 10.0.0.0/8)."
            ) from None
    return checked


def settings_for(env) -> dict:
    attempts = env.int("BATON_WEBHOOK_MAX_ATTEMPTS", default=8)
    base = env.float("BATON_WEBHOOK_RETRY_BASE_SECONDS", default=60.0)
    cap = env.float("BATON_WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600.0)
    if attempts < 1 or base <= 0 or cap < base:
        raise ImproperlyConfigured("Webhook retries: BATON_WEBHOOK_MAX_ATTEMPTS must be at least 1, "
                                   "BATON_WEBHOOK_RETRY_BASE_SECONDS positive and not above "
                                   "BATON_WEBHOOK_RETRY_MAX_SECONDS.")
    return {
        "BATON_WEBHOOK_ALLOWED_HOSTS": [h.strip().lower().rstrip(".") for h in
                                        env.list("BATON_WEBHOOK_ALLOWED_HOSTS", default=[]) if h.strip()],
        "BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS": _networks(env.list("BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS",
                                                                   default=[])),
        "BATON_WEBHOOK_ALLOW_HTTP": env.bool("BATON_WEBHOOK_ALLOW_HTTP", default=False),
        "BATON_WEBHOOK_MAX_ATTEMPTS": attempts,
        "BATON_WEBHOOK_RETRY_BASE_SECONDS": base,
        "BATON_WEBHOOK_RETRY_MAX_SECONDS": cap,
        "BATON_WEBHOOK_CONNECT_TIMEOUT": env.float("BATON_WEBHOOK_CONNECT_TIMEOUT", default=3.0),
        "BATON_WEBHOOK_READ_TIMEOUT": env.float("BATON_WEBHOOK_READ_TIMEOUT", default=5.0),
        "BATON_WEBHOOK_SWEEP_AFTER_SECONDS": env.float("BATON_WEBHOOK_SWEEP_AFTER_SECONDS", default=120.0),
    }
