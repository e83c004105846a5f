from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("open/", views.contract_open, name="open"),
    path("<str:reference>/", views.contract_detail, name="detail"),
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
]
