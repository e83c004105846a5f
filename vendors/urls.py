from django.urls import path

from vendors import views

app_name = "vendors"

urlpatterns = [
    path("", views.vendor_list, name="list"),
    path("new/", views.vendor_create, name="create"),
    path("import/", views.vendor_import, name="import"),
    path("<int:pk>/", views.vendor_detail, name="detail"),
    path("<int:pk>/edit/", views.vendor_edit, name="edit"),
    path("<int:pk>/status/<str:to>/", views.vendor_status, name="status"),
    path("<int:pk>/tiering/", views.vendor_tiering, name="tiering"),
    path("<int:pk>/tier-override/", views.vendor_tier_override, name="tier_override"),
    path("<int:pk>/triggers/new/", views.trigger_record, name="trigger_record"),
    path("<int:pk>/tasks/<int:task_id>/close/", views.task_close, name="task_close"),
    path("<int:pk>/evidence/new/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_id>/download/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/evidence/<int:evidence_id>/review/", views.evidence_review, name="evidence_review"),
    path("<int:pk>/attestations/new/", views.attestation_create, name="attestation_create"),
    path("<int:pk>/risks/new/", views.risk_create, name="risk_create"),
    path("<int:pk>/risks/<int:risk_id>/edit/", views.risk_edit, name="risk_edit"),
    path("<int:pk>/risks/<int:risk_id>/status/<str:to>/", views.risk_status, name="risk_status"),
    path("<int:pk>/risks/<int:risk_id>/accept/", views.risk_accept, name="risk_accept"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_id>/remove/", views.contact_remove, name="contact_remove"),
    path("<int:pk>/subprocessors/", views.subprocessor_add, name="subprocessor_add"),
    path("<int:pk>/subprocessors/<int:subprocessor_id>/remove/", views.subprocessor_remove,
         name="subprocessor_remove"),
    path("<int:pk>/access/", views.access_grant, name="access_grant"),
    path("<int:pk>/access/<int:grant_id>/remove/", views.access_revoke, name="access_revoke"),
]
