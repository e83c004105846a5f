from django.urls import path

from procurement.api import views

app_name = "api_tokens"

urlpatterns = [
    path("new/", views.token_create_view, name="create"),
    path("<int:pk>/revoke/", views.token_revoke_view, name="revoke"),
]
