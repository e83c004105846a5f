from django.apps import AppConfig

from procurement.contributions import Contributions, UrlInclude


class PasskeysConfig(AppConfig):
    name = "procurement.passkeys"
    label = "passkeys"
    verbose_name = "Passkeys"
    contributions = Contributions(urls=(UrlInclude("passkeys/", "procurement.passkeys.urls"),))
