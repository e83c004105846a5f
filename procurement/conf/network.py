"""The client's real address behind a known number of trusted proxies (BATON_TRUSTED_PROXY_COUNT).

BATON_TRUSTED_PROXY_COUNT is how many reverse proxies stand between the internet and Baton, each appending the
address it saw to X-Forwarded-For (one nginx in front: 1; a cloud load balancer and then nginx: 2). Leave it at
0 when clients reach Baton directly: X-Forwarded-For is then ignored, since anyone can send one. Setting it
higher than the real number of proxies lets a client choose its own address; setting it lower makes the
proxy's address everyone's. procurement.client_address explains how the address is read.
"""

from django.core.exceptions import ImproperlyConfigured

CLIENT_ADDRESS_CALLABLE = "procurement.client_address.client_address"


def settings_for(env) -> dict:
    """Settings (names -> values) for django-axes and Baton's client-address helper."""
    count = env.int("BATON_TRUSTED_PROXY_COUNT", default=0)
    if count < 0:
        raise ImproperlyConfigured("BATON_TRUSTED_PROXY_COUNT must be 0 (no proxy in front) or more.")
    return {
        "BATON_TRUSTED_PROXY_COUNT": count,
        # django-axes keys sign-in lock-outs on username + this address, not on REMOTE_ADDR.
        "AXES_CLIENT_IP_CALLABLE": CLIENT_ADDRESS_CALLABLE,
        # Anything else that asks django-ipware directly (django-structlog binds the address it returns to
        # each request's log lines) reads the same header with the same count and never a forged prefix:
        # strict means a header with more entries than the proxies write yields no address rather than one the
        # client chose. ipware counts the proxies after the client within the header: the last proxy is
        # REMOTE_ADDR, hence count - 1.
        **({"IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",), "IPWARE_META_PROXY_COUNT": 0} if count == 0 else
           {"IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR",), "IPWARE_META_PROXY_COUNT": count - 1}),
        "IPWARE_STRICT": True,
    }
