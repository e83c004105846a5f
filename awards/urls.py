from django.urls import path

from awards.views import decision_record, lists, memo, waivers
from awards.views import procedure as views
from awards.views import scorecard as sc

app_name = "awards"

P = "<str:reference>/"
B = P + "bids/<int:pk>/"

urlpatterns = [
    path("", lists.procedure_list, name="procedure_list"),  # issue 21: the list of procedures (awards.views.lists)
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
    # issue 5: scorecard, scoring, results
    path(P + "scorecard/", sc.scorecard, name="scorecard"),
    path(P + "scorecard/create/", sc.scorecard_create, name="scorecard_create"),
    path(P + "scorecard/lock/", sc.scorecard_lock, name="scorecard_lock"),
    path(P + "scorecard/groups/new/", sc.group_edit, name="scorecard_group_add"),
    path(P + "scorecard/groups/<int:pk>/", sc.group_edit, name="scorecard_group_edit"),
    path(P + "scorecard/criteria/new/", sc.criterion_edit, name="scorecard_criterion_add"),
    path(P + "scorecard/criteria/<int:pk>/", sc.criterion_edit, name="scorecard_criterion_edit"),
    path(P + "scorecard/knockouts/new/", sc.knockout_edit, name="scorecard_knockout_add"),
    path(P + "scorecard/knockouts/<int:pk>/", sc.knockout_edit, name="scorecard_knockout_edit"),
    path(P + "scorecard/sheets/<int:pk>/reopen/", sc.sheet_reopen, name="scorecard_sheet_reopen"),
    path(P + "scoring/", sc.scoring, name="scoring"),
    path(P + "scoring/cell/", sc.score_cell, name="scoring_cell"),
    path(P + "scoring/submit/", sc.scoring_submit, name="scoring_submit"),
    path(P + "scoring/sheet.xlsx", sc.sheet_export, name="scoring_sheet_export"),
    path(P + "scoring/import/", sc.sheet_import, name="scoring_sheet_import"),
    path(P + "results/", sc.results_page, name="results"),
    path(P + "results/export.<str:fmt>", sc.results_export, name="results_export"),
    path(P + "results/reasons/<int:bid_id>/", sc.results_rationales, name="results_rationales"),
    path(P + "results/knockouts/<int:knockout_id>/<int:bid_id>/", sc.knockout_decide, name="results_knockout"),
    path(P + "results/consensus/<int:bid_id>/<int:criterion_id>/", sc.consensus, name="results_consensus"),
    path(P + "results/shortlist/<int:bid_id>/", sc.shortlist, name="results_shortlist"),
    path(P + "decision-record.json", decision_record.download, {"fmt": "json"}, name="decision_record_json"),
    path(P + "decision-record.xlsx", decision_record.download, {"fmt": "xlsx"}, name="decision_record_xlsx"),
    # issue 7: decision memo, sign-off, debriefs
    path("memos/waiting/", memo.memo_inbox, name="memo_inbox"),
    path(P + "memo/", memo.memo_detail, name="memo_detail"),
    path(P + "memo/new/", memo.memo_create, name="memo_create"),
    path(P + "memo/edit/", memo.memo_edit, name="memo_edit"),
    path(P + "memo/submit/", memo.memo_submit, name="memo_submit"),
    path(P + "memo/sign/", memo.memo_sign, name="memo_sign"),
    path(P + "debriefs/<int:pk>/", memo.debrief_edit, name="debrief_edit"),
    # issue 17: waivers
    path(P + "waivers/", waivers.waiver_list, name="waiver_list"),
    path(P + "waivers/new/", waivers.waiver_new, name="waiver_new"),
]

# issue 20: the internal side of the bidders' portal (each module owns its URL list)
from awards.views import invitations as _invitations  # noqa: E402
from awards.views import opening as _opening  # noqa: E402
from awards.views import price as _price  # noqa: E402

urlpatterns += [*_invitations.urls, *_opening.urls, *_price.urls]

# issue 21: daily work. Templates come first: "templates/" and "start/" would otherwise read as a reference.
from awards.views import builder as _builder  # noqa: E402
from awards.views import decisions as _decisions  # noqa: E402
from awards.views import setup as _setup  # noqa: E402
from awards.views import templates as _templates  # noqa: E402

urlpatterns = [*_templates.urls, *urlpatterns, *_builder.urls, *_setup.urls, *_decisions.urls]
