from django.apps import AppConfig

from procurement.contributions import Contributions, UrlInclude


class ApiConfig(AppConfig):
    name = "procurement.api"
    label = "api"
    verbose_name = "REST API"
    contributions = Contributions(urls=(UrlInclude("api/v1/", "procurement.api.urls"),
                                        UrlInclude("account/api-tokens/", "procurement.api.token_urls")))
