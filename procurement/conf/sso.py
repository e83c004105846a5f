"""Single sign-on settings (issue 19), read from the environment only. Nothing set: SSO is off, nothing changes.

Single sign-on is on when OIDC_RP_CLIENT_ID is set; then every one of these is required (Baton refuses to start
without them, naming the missing ones). The values come from the provider's discovery document
(<issuer>/.well-known/openid-configuration):

    OIDC_OP_ISSUER                  the provider's issuer ("iss"); ID tokens from any other issuer are refused
    OIDC_OP_AUTHORIZATION_ENDPOINT  where the browser is sent to sign in
    OIDC_OP_TOKEN_ENDPOINT          where Baton swaps the code for tokens (server to server)
    OIDC_OP_USER_ENDPOINT           the userinfo endpoint (server to server)
    OIDC_OP_JWKS_ENDPOINT           the provider's public keys; ID tokens are verified against them
    OIDC_RP_CLIENT_ID / OIDC_RP_CLIENT_SECRET   Baton's client at the provider (a confidential client whose
                                    redirect URI is <Baton>/sso/callback/)

Optional:

    OIDC_RP_SIGN_ALGO        RS256 (default) or ES256; the one algorithm ID tokens may be signed with
    OIDC_RP_SCOPES           default "openid email profile"
    OIDC_VERIFY_SSL          default on; OIDC_TIMEOUT seconds per call to the provider (default 10)
    BATON_SSO_PROVIDER_NAME  what the sign-in button says: "Sign in with <name>" (default "single sign-on")
    BATON_SSO_ROLE_MAP       the role table: "provider value=Baton role" entries separated by ";" (see
                             procurement.sso.rolemap), e.g. "baton-leads=Procurement lead;audit=Auditor"
    BATON_SSO_GROUPS_CLAIM   the claim holding the groups the table maps (default "groups")
    BATON_SSO_ACCESS_GROUP   when set, a person must carry this group to use Baton; without it the sign-in is
                             refused and a linked Baton user is deactivated
    BATON_SSO_STATUS_CLAIM   when set, the claim that says whether the account is enabled; false, "disabled",
                             "inactive", "suspended" or "deprovisioned" refuse the sign-in and deactivate the user
    BATON_LOCAL_LOGIN        on (default) | off | break-glass: whether the username-and-password form works;
                             break-glass keeps it for active superusers only (for when the provider is down)
"""

from django.core.exceptions import ImproperlyConfigured

from procurement.sso.rolemap import RoleMapError, parse_role_map

REQUIRED = ("OIDC_OP_ISSUER", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT", "OIDC_RP_CLIENT_SECRET")
LOCAL_LOGIN_MODES = ("on", "off", "break-glass")
OIDC_BACKEND = "procurement.sso.backends.BatonOIDCBackend"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
LOCAL_BACKEND = "procurement.sso.backends.LocalPasswordBackend"


def _enabled(env) -> bool:
    return bool(env.str("OIDC_RP_CLIENT_ID", default="").strip())


def _local_login(env) -> str:
    mode = env.str("BATON_LOCAL_LOGIN", default="on").strip().lower()
    aliases = {"1": "on", "true": "on", "yes": "on", "0": "off", "false": "off", "no": "off"}
    mode = aliases.get(mode, mode)
    if mode not in LOCAL_LOGIN_MODES:
        raise ImproperlyConfigured(f"BATON_LOCAL_LOGIN must be one of {', '.join(LOCAL_LOGIN_MODES)}, not {mode!r}.")
    return mode


def settings_for(env) -> dict:
    enabled = _enabled(env)
    local_login = _local_login(env)
    if local_login == "off" and not enabled:
        raise ImproperlyConfigured("BATON_LOCAL_LOGIN=off needs single sign-on (OIDC_RP_CLIENT_ID and the rest): "
                                   "otherwise nobody could sign in.")
    try:
        role_map = parse_role_map(env.str("BATON_SSO_ROLE_MAP", default=""))
    except RoleMapError as exc:
        raise ImproperlyConfigured(f"BATON_SSO_ROLE_MAP: {exc}") from exc
    values = {
        "BATON_SSO_ENABLED": enabled,
        "BATON_LOCAL_LOGIN": local_login,
        "BATON_SSO_PROVIDER_NAME": env.str("BATON_SSO_PROVIDER_NAME", default="single sign-on"),
        "BATON_SSO_ROLE_MAP": role_map,
        "BATON_SSO_GROUPS_CLAIM": env.str("BATON_SSO_GROUPS_CLAIM", default="groups"),
        "BATON_SSO_ACCESS_GROUP": env.str("BATON_SSO_ACCESS_GROUP", default=""),
        "BATON_SSO_STATUS_CLAIM": env.str("BATON_SSO_STATUS_CLAIM", default=""),
        # mozilla-django-oidc: the callback is Baton's namespaced URL, PKCE on, nothing stored in the session but
        # what the flow needs, users created on first sign-in (by procurement.sso.services).
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso:callback",
        "OIDC_USE_PKCE": True,
        "OIDC_USE_NONCE": True,
        "OIDC_CREATE_USER": True,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_RP_SIGN_ALGO": env.str("OIDC_RP_SIGN_ALGO", default="RS256"),
        "OIDC_RP_SCOPES": env.str("OIDC_RP_SCOPES", default="openid email profile"),
        "OIDC_VERIFY_SSL": env.bool("OIDC_VERIFY_SSL", default=True),
        "OIDC_TIMEOUT": env.int("OIDC_TIMEOUT", default=10),
        "OIDC_RP_CLIENT_ID": env.str("OIDC_RP_CLIENT_ID", default=""),
        # django-axes counts password failures only, not failed single sign-on callbacks (which carry no username).
        "AXES_WHITELIST_CALLABLE": "procurement.sso.backends.not_a_password_attempt",
    }
    if values["OIDC_RP_SIGN_ALGO"] not in ("RS256", "ES256"):
        raise ImproperlyConfigured("OIDC_RP_SIGN_ALGO must be RS256 or ES256 (ID tokens signed with the provider's "
                                   "published key).")
    if enabled:
        missing = [name for name in REQUIRED if not env.str(name, default="").strip()]
        if missing:
            raise ImproperlyConfigured("Single sign-on is on (OIDC_RP_CLIENT_ID is set) but these are missing: "
                                       + ", ".join(missing) + ".")
        values.update({name: env.str(name).strip() for name in REQUIRED})
    return values


def backends(env, base: list[str]) -> list[str]:
    """The authentication backends, with the OIDC backend added when single sign-on is configured, and the
    password backend swapped for one that refuses passwords when local sign-in is off (or break-glass only)."""
    chosen = list(base)
    if _local_login(env) != "on":
        chosen = [LOCAL_BACKEND if path == MODEL_BACKEND else path for path in chosen]
    if _enabled(env):
        chosen.append(OIDC_BACKEND)
    return chosen
