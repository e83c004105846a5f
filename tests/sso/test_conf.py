"""Single sign-on is configured from the environment (procurement.conf.sso); nothing set leaves Baton as it was."""

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from procurement.conf import sso

BASE = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend",
        "guardian.backends.ObjectPermissionBackend"]
FULL = {"OIDC_RP_CLIENT_ID": "baton", "OIDC_RP_CLIENT_SECRET": "s", "OIDC_OP_ISSUER": "https://id/o",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://id/o/authorize/", "OIDC_OP_TOKEN_ENDPOINT": "https://id/o/token/",
        "OIDC_OP_USER_ENDPOINT": "https://id/o/userinfo/", "OIDC_OP_JWKS_ENDPOINT": "https://id/o/jwks/"}


def env_with(monkeypatch, **values):
    for name in (*FULL, "BATON_LOCAL_LOGIN", "BATON_SSO_ROLE_MAP", "OIDC_RP_SIGN_ALGO"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return environ.Env()


def test_nothing_set_means_sso_off_local_login_on_and_the_backends_unchanged(monkeypatch):
    env = env_with(monkeypatch)

    values = sso.settings_for(env)

    assert values["BATON_SSO_ENABLED"] is False
    assert values["BATON_LOCAL_LOGIN"] == "on"
    assert sso.backends(env, BASE) == BASE


def test_a_client_id_switches_it_on_and_adds_the_oidc_backend(monkeypatch):
    env = env_with(monkeypatch, **FULL, BATON_SSO_ROLE_MAP="leads=Procurement lead")

    values = sso.settings_for(env)

    assert values["BATON_SSO_ENABLED"] is True
    assert values["OIDC_OP_ISSUER"] == "https://id/o"
    assert values["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert values["BATON_SSO_ROLE_MAP"] == (("leads", "Procurement lead"),)
    assert sso.backends(env, BASE) == [*BASE, sso.OIDC_BACKEND]


def test_a_half_configured_provider_stops_start_up_naming_what_is_missing(monkeypatch):
    env = env_with(monkeypatch, OIDC_RP_CLIENT_ID="baton", OIDC_OP_ISSUER="https://id/o")

    with pytest.raises(ImproperlyConfigured, match="OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT"):
        sso.settings_for(env)


@pytest.mark.parametrize(("values", "message"), [
    ({"BATON_LOCAL_LOGIN": "off"}, "nobody could sign in"),
    ({**FULL, "BATON_LOCAL_LOGIN": "sometimes"}, "must be one of on, off, break-glass"),
    ({**FULL, "OIDC_RP_SIGN_ALGO": "HS256"}, "RS256 or ES256"),
    ({**FULL, "BATON_SSO_ROLE_MAP": "leads"}, "BATON_SSO_ROLE_MAP: the entry 'leads'"),
])
def test_settings_that_cannot_work_are_refused_at_start_up(monkeypatch, values, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        sso.settings_for(env_with(monkeypatch, **values))


@pytest.mark.parametrize("mode", ["off", "break-glass"])
def test_local_login_off_or_break_glass_swaps_the_password_backend(monkeypatch, mode):
    env = env_with(monkeypatch, **FULL, BATON_LOCAL_LOGIN=mode)

    assert sso.settings_for(env)["BATON_LOCAL_LOGIN"] == mode
    assert sso.backends(env, BASE) == [BASE[0], sso.LOCAL_BACKEND, BASE[2], sso.OIDC_BACKEND]


def test_an_unknown_role_in_the_table_fails_the_system_check(settings):
    from procurement.sso.checks import check_role_map

    settings.BATON_SSO_ROLE_MAP = (("leads", "Procurement lead"), ("admins", "Superuser"))

    errors = check_role_map()

    assert [error.id for error in errors] == ["sso.E001"]
    assert "'Superuser' (for 'admins') is not a Baton role" in errors[0].msg
