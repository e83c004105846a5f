"""Single sign-on with OpenID Connect (issue 19): procurement.sso.backends says why mozilla-django-oidc."""
from django.apps import AppConfig

from procurement.contributions import Contributions, UrlInclude


class SsoConfig(AppConfig):
    name = "procurement.sso"
    label = "sso"
    verbose_name = "Single sign-on"
    contributions = Contributions(urls=(UrlInclude("sso/", "procurement.sso.urls"),))

    def ready(self) -> None:
        from procurement.sso import checks  # noqa: F401 - registers sso.E001
