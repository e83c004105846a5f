"""Single sign-on endpoints, always routed (with SSO off they answer 404 saying so): procurement.sso.views."""

from django.urls import path

from procurement.sso import views

app_name = "sso"
urlpatterns = [
    path("authenticate/", views.SsoAuthenticateView.as_view(), name="authenticate"),
    path("callback/", views.SsoCallbackView.as_view(), name="callback"),
]
