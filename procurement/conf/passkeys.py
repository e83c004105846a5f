"""Passkeys settings (issue 19): read from the environment only; see procurement.conf."""


def settings_for(env) -> dict:
    return {}
