"""Passkeys (issue 19): registration and removal. Signing with one is the sign-off page's (awards)."""

from django.urls import path

from procurement.passkeys import views

app_name = "passkeys"
urlpatterns = [
    path("register/options/", views.register_options, name="register_options"),
    path("register/", views.register, name="register"),
    path("<int:pk>/remove/", views.revoke, name="revoke"),
]
