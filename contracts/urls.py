from django.urls import path

from contracts.views import lists as lviews
from contracts.views import negotiation as views
from contracts.views import ocds as oviews
from contracts.views import post_award as pviews
from contracts.views import sections as sviews
from contracts.views.corrections import urls as correction_urls
from contracts.views.lists import urls as list_urls
from contracts.views.portfolio import urls as portfolio_urls

app_name = "contracts"

urlpatterns = [
    path("", lviews.contract_list, name="list"),  # issue 21: contracts.views.lists
    path("open/", views.contract_open, name="open"),
    # issue 21: lists across contracts and the portfolio, before "<reference>/" like the OCDS pages
    *list_urls,
    *portfolio_urls,
    # open contracting data (issue 19): before "<reference>/" so "ocds" is never read as a contract reference
    path("ocds/", oviews.publication_list, name="ocds_list"),
    path("ocds/bulk/", oviews.bulk_package_download, name="ocds_bulk"),
    path("ocds/<str:reference>/", oviews.procedure_package_download, name="ocds_package"),
    path("ocds/<str:reference>/publish/", oviews.publication_publish_view, name="ocds_publish"),
    path("ocds/<str:reference>/withdraw/", oviews.publication_withdraw_view, name="ocds_withdraw"),
    path("<str:reference>/", sviews.contract_detail, name="detail"),
    path("<str:reference>/section/<slug:name>/", sviews.contract_section, name="section"),
    path("<str:reference>/edit/", views.contract_edit, name="edit"),
    path("<str:reference>/status/<slug:target>/", views.contract_transition, name="transition"),
    path("<str:reference>/kickoff/", views.kickoff_edit, name="kickoff_edit"),
    path("<str:reference>/kickoff/attendees/", views.kickoff_attendee_add, name="attendee_add"),
    path("<str:reference>/kickoff/hold/", views.kickoff_hold, name="kickoff_hold"),
    path("<str:reference>/kickoff/actions/", views.kickoff_action_add, name="action_add"),
    path("<str:reference>/kickoff/actions/<int:pk>/done/", views.kickoff_action_done, name="action_done"),
    path("<str:reference>/clauses/<int:pk>/", views.clause_edit, name="clause_edit"),
    path("<str:reference>/clauses/<int:pk>/status/<slug:target>/", views.clause_status, name="clause_status"),
    path("<str:reference>/clauses/<int:pk>/feedback/", views.feedback_add, name="feedback_add"),
    path("<str:reference>/feedback/<int:pk>/respond/", views.feedback_respond, name="feedback_respond"),
    path("<str:reference>/scenarios/new/", views.scenario_form, name="scenario_add"),
    path("<str:reference>/scenarios/<int:pk>/", views.scenario_form, name="scenario_edit"),
    path("<str:reference>/raci/", views.raci_edit, name="raci_edit"),
    path("<str:reference>/raci/new/", views.raci_activity_add, name="raci_activity_add"),
    path("<str:reference>/issues/new/", views.issue_add, name="issue_add"),
    path("<str:reference>/issues/<int:pk>/resolve/", views.issue_resolve, name="issue_resolve"),
    path("<str:reference>/milestones/new/", views.milestone_add, name="milestone_add"),
    path("<str:reference>/checklist/<int:pk>/", views.checklist_item, name="checklist_item"),
    path("<str:reference>/checklist/<int:pk>/waive/", views.checklist_waive, name="checklist_waive"),
    path("<str:reference>/pack/request/", views.pack_request, name="pack_request"),
    path("<str:reference>/pack/download/", views.pack_download, name="pack_download"),
    path("<str:reference>/pack/acknowledge/", views.pack_acknowledge, name="pack_acknowledge"),
    # post-award (issue 9)
    path("<str:reference>/milestones/<int:pk>/", pviews.milestone_plan, name="milestone_plan"),
    path("<str:reference>/milestones/<int:pk>/deliver/", pviews.milestone_deliver, name="milestone_deliver"),
    path("<str:reference>/milestones/<int:pk>/<slug:decision>/", pviews.milestone_decide, name="milestone_decide"),
    path("<str:reference>/milestones/<int:pk>/evidence/download/", pviews.milestone_evidence,
         name="milestone_evidence"),
    path("<str:reference>/payments/terms/", pviews.payment_terms, name="payment_terms"),
    path("<str:reference>/invoices/new/", pviews.invoice_add, name="invoice_add"),
    path("<str:reference>/invoices/<int:pk>/<slug:step>/", pviews.invoice_step, name="invoice_step"),
    path("<str:reference>/change-orders/new/", pviews.change_order_add, name="change_order_add"),
    path("<str:reference>/change-orders/<int:pk>/decide/", pviews.change_order_decide, name="change_order_decide"),
    path("<str:reference>/kpis/new/", pviews.kpi_form, name="kpi_add"),
    path("<str:reference>/kpis/seed/", pviews.kpis_seed, name="kpis_seed"),
    path("<str:reference>/kpis/import/", pviews.measurements_import, name="measurements_import"),
    path("<str:reference>/kpis/<int:pk>/", pviews.kpi_form, name="kpi_edit"),
    path("<str:reference>/kpis/<int:pk>/measure/", pviews.measurement_add, name="measurement_add"),
    path("<str:reference>/performance/", pviews.performance, name="performance"),
    path("<str:reference>/check-ins/<slug:team>/new/", pviews.checkin_add, name="checkin_add"),
    path("<str:reference>/incidents/new/", pviews.incident_add, name="incident_add"),
    path("<str:reference>/incidents/<int:pk>/notified/", pviews.incident_notified, name="incident_notified"),
    path("<str:reference>/exit/runbook/", pviews.exit_runbook, name="exit_runbook"),
    path("<str:reference>/exit/start/", pviews.exit_start, name="exit_start"),
    path("<str:reference>/exit/steps/<int:pk>/", pviews.exit_step, name="exit_step"),
    path("<str:reference>/exit/steps/<int:pk>/waive/", pviews.exit_step_waive, name="exit_step_waive"),
    path("<str:reference>/exit/close/", pviews.exit_close, name="exit_close"),
    # issue 21: undoing what is undoable, with a reason
    *correction_urls,
]
