from django.urls import path

from awards import views

app_name = "awards"

P = "<str:reference>/"
B = P + "bids/<int:pk>/"

urlpatterns = [
    path("", views.procedure_list, name="procedure_list"),
    path("new/", views.procedure_create, name="procedure_create"),
    path(P, views.procedure_detail, name="procedure_detail"),
    path(P + "edit/", views.procedure_edit, name="procedure_edit"),
    path(P + "timeline/", views.procedure_timeline, name="procedure_timeline"),
    path(P + "advance/", views.procedure_advance, name="procedure_advance"),
    path(P + "cancel/", views.procedure_cancel, name="procedure_cancel"),
    path(P + "requirements/new/", views.requirement_add, name="requirement_add"),
    path(P + "requirements/agree-all/", views.requirements_agree_all, name="requirements_agree_all"),
    path(P + "requirements/<int:pk>/edit/", views.requirement_edit, name="requirement_edit"),
    path(P + "requirements/<int:pk>/agree/", views.requirement_agree, name="requirement_agree"),
    path(P + "bids/invite/", views.bid_invite, name="bid_invite"),
    path(B, views.bid_detail, name="bid_detail"),
    path(B + "decline/", views.bid_decline, name="bid_decline"),
    path(B + "documents/new/", views.document_add, name="document_add"),
    path(B + "documents/<int:document_id>/", views.document_download, name="document_download"),
    path(B + "submission/", views.bid_submission, name="bid_submission"),
    path(B + "late/", views.bid_late_decision, name="bid_late_decision"),
    path(B + "decision/", views.bid_decide, name="bid_decide"),
    path(B + "declare/", views.coi_declare, name="coi_declare"),
    path(B + "pov/criteria/new/", views.pov_criterion_add, name="pov_criterion_add"),
    path(B + "pov/criteria/<int:criterion_id>/edit/", views.pov_criterion_edit, name="pov_criterion_edit"),
    path(B + "pov/criteria/<int:criterion_id>/result/", views.pov_result, name="pov_result"),
    path(B + "pov/lock/", views.pov_lock, name="pov_lock"),
    path(B + "references/new/", views.reference_add, name="reference_add"),
    path(P + "questions/new/", views.question_add, name="question_add"),
    path(P + "questions/export.csv", views.qa_export, name="qa_export"),
    path(P + "questions/<int:pk>/answer/", views.question_answer, name="question_answer"),
    path(P + "questions/<int:pk>/publish/", views.question_publish, name="question_publish"),
    path(P + "evaluators/new/", views.evaluator_assign, name="evaluator_assign"),
    path(P + "declarations/<int:pk>/review/", views.coi_review, name="coi_review"),
]
