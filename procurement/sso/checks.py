"""System check sso.E001: every role the role table names is a Baton role (a typo fails at start-up)."""

from django.conf import settings
from django.core import checks

from procurement.sso import rolemap


@checks.register()
def check_role_map(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from procurement.sso.services import known_roles

    try:
        rolemap.canonical_roles(getattr(settings, "BATON_SSO_ROLE_MAP", ()), known_roles())
    except rolemap.RoleMapError as exc:
        return [checks.Error(f"BATON_SSO_ROLE_MAP: {exc}", hint="Fix the role table in the environment.",
                             id="sso.E001")]
    return []
