from django.apps import AppConfig

from procurement.contributions import Contributions, UrlInclude


class WebhooksConfig(AppConfig):
    name = "procurement.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    contributions = Contributions(urls=(UrlInclude("webhooks/", "procurement.webhooks.urls"),))
