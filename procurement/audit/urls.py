from django.urls import path

from procurement.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.global_log, name="log"),
    path("export.csv", views.global_log_csv, name="log_csv"),
    path("<str:label>/<int:pk>/", views.object_history, name="object"),
]
