"""Policy pages of the contracts app (issue 21): the clause playbook, KPI and check-in templates, reminder
lead times. Mounted at /policy/contracts/ (contracts.apps)."""

from django.urls import path

from contracts.policy import views

app_name = "contracts_policy"

urlpatterns = [
    path("playbook/", views.clause_playbook, name="clause_playbook"),
    path("kpi-templates/", views.kpi_templates, name="kpi_templates"),
    path("check-in-templates/", views.checkin_templates, name="checkin_templates"),
    path("reminder-lead-times/", views.reminder_lead_times, name="reminder_lead_times"),
]
