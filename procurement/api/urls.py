"""Placeholder until the REST API work of issue 19 fills it."""

app_name = "api"
urlpatterns: list = []
