"""/api/v1/: the REST API's operations and its OpenAPI document (/api/v1/openapi.json)."""

from procurement.api.build import build_api

app_name = "api"
urlpatterns = build_api().urls[0]
