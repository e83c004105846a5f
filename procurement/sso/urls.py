"""Placeholder until the Single sign-on work of issue 19 fills it."""

app_name = "sso"
urlpatterns: list = []
