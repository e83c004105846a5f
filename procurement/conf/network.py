"""The client's real address behind a known number of trusted proxies (BATON_TRUSTED_PROXY_COUNT)."""


def settings_for(env) -> dict:
    """Settings (names -> values) for django-axes and Baton's client-address helper."""
    return {"BATON_TRUSTED_PROXY_COUNT": env.int("BATON_TRUSTED_PROXY_COUNT", default=0)}
