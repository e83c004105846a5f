"""Placeholder until the Webhooks work of issue 19 fills it."""

app_name = "webhooks"
urlpatterns: list = []
