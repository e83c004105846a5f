"""Single sign-on switched on for a test: the settings procurement.conf.sso would make from the environment."""

import pytest

ISSUER = "https://id.example.test/o"
ROLE_MAP = (("baton-leads", "Procurement lead"), ("baton-evaluators", "evaluator"), ("risk", "Auditor"),
            ("baton-leads", "Evaluator"))


@pytest.fixture
def sso_on(settings):
    settings.BATON_SSO_ENABLED = True
    settings.BATON_SSO_PROVIDER_NAME = "Example ID"
    settings.BATON_SSO_ROLE_MAP = ROLE_MAP
    settings.BATON_SSO_GROUPS_CLAIM = "groups"
    settings.BATON_SSO_ACCESS_GROUP = "baton-users"
    settings.BATON_SSO_STATUS_CLAIM = "account_status"
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{ISSUER}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/.well-known/jwks.json"
    settings.OIDC_RP_CLIENT_ID = "baton"
    settings.OIDC_RP_CLIENT_SECRET = "baton-secret"  # noqa: S105 - a test client
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "procurement.sso.backends.BatonOIDCBackend"]
    return settings
