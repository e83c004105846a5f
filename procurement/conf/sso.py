"""Single sign-on settings (issue 19): read from the environment only; see procurement.conf."""


def settings_for(env) -> dict:
    return {}


def backends(env, base: list[str]) -> list[str]:
    """The authentication backends, with the OIDC backend added when single sign-on is configured."""
    return list(base)
