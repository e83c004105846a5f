"""Placeholder until the Passkeys work of issue 19 fills it."""

app_name = "passkeys"
urlpatterns: list = []
