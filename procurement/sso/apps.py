from django.apps import AppConfig

from procurement.contributions import Contributions, UrlInclude


class SsoConfig(AppConfig):
    name = "procurement.sso"
    label = "sso"
    verbose_name = "Single sign-on"
    contributions = Contributions(urls=(UrlInclude("sso/", "procurement.sso.urls"),))
