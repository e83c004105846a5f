from django.urls import path

from vendors.views import contacts, evidence, importing, registry, risks, tiering

app_name = "vendors"

urlpatterns = [
    path("", registry.vendor_list, name="list"),
    path("new/", registry.vendor_create, name="create"),
    path("import/", importing.vendor_import, name="import"),
    path("<int:pk>/", registry.vendor_detail, name="detail"),
    path("<int:pk>/edit/", registry.vendor_edit, name="edit"),
    path("<int:pk>/status/<str:to>/", registry.vendor_status, name="status"),
    path("<int:pk>/tiering/", tiering.vendor_tiering, name="tiering"),
    path("<int:pk>/tier-override/", tiering.vendor_tier_override, name="tier_override"),
    path("<int:pk>/triggers/new/", tiering.trigger_record, name="trigger_record"),
    path("<int:pk>/tasks/<int:task_id>/close/", tiering.task_close, name="task_close"),
    path("<int:pk>/evidence/new/", evidence.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_id>/download/", evidence.evidence_download, name="evidence_download"),
    path("<int:pk>/evidence/<int:evidence_id>/review/", evidence.evidence_review, name="evidence_review"),
    path("<int:pk>/attestations/new/", evidence.attestation_create, name="attestation_create"),
    path("<int:pk>/risks/new/", risks.risk_create, name="risk_create"),
    path("<int:pk>/risks/<int:risk_id>/edit/", risks.risk_edit, name="risk_edit"),
    path("<int:pk>/risks/<int:risk_id>/status/<str:to>/", risks.risk_status, name="risk_status"),
    path("<int:pk>/risks/<int:risk_id>/accept/", risks.risk_accept, name="risk_accept"),
    path("<int:pk>/contacts/", contacts.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_id>/remove/", contacts.contact_remove, name="contact_remove"),
    path("<int:pk>/subprocessors/", contacts.subprocessor_add, name="subprocessor_add"),
    path("<int:pk>/subprocessors/<int:subprocessor_id>/remove/", contacts.subprocessor_remove,
         name="subprocessor_remove"),
    path("<int:pk>/access/", contacts.access_grant, name="access_grant"),
    path("<int:pk>/access/<int:grant_id>/remove/", contacts.access_revoke, name="access_revoke"),
]

# issue 20: what vendors report through the bidders' portal
from vendors.views import self_report as _self_report  # noqa: E402

urlpatterns += _self_report.urls

# issue 21: lists across vendors
from vendors.views import lists as _lists  # noqa: E402

urlpatterns += _lists.urls
