from django.urls import path

from procurement.documents import views

app_name = "documents"

urlpatterns = [
    path("<slug:kind>/<int:source_id>/", views.document_status, name="status"),
    path("<slug:kind>/<int:source_id>/request/", views.document_request_view, name="request"),
    path("<int:pk>/retry/", views.document_retry_view, name="retry"),
    path("<int:pk>/download/", views.document_download, name="download"),
]
