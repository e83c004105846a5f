"""Policy pages of the awards app (issue 21): committees and the approval matrix."""

from django.urls import path

from awards.policy import views

app_name = "awards_policy"

urlpatterns = [
    path("committees/", views.committees, name="committees"),
    path("approval-matrix/", views.approval_matrix, name="approval_matrix"),
]
