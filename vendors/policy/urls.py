"""Policy pages of the vendors app (issue 21): due-diligence plans, the tiering rule table, the risk acceptance
matrix."""

from django.urls import path

from vendors.policy import views

app_name = "vendors_policy"

urlpatterns = [
    path("due-diligence-plans/", views.dd_plans, name="dd_plans"),
    path("tiering-rules/", views.tiering_rules, name="tiering_rules"),
    path("risk-acceptance/", views.risk_acceptance, name="risk_acceptance"),
]
