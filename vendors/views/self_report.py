"""Internal pages of issue 20: reviewing what vendors reported through the portal.

The tiering answers a vendor's contact sent: the list for one vendor, one report next to the tier in force (with
the tier the answers would give, worked out by the same rule table), and a lead's two decisions, adopt or set
aside, each with a reason and a confirmation step. Whoever sees the vendor reads them; deciding needs "tier".

`urls` is appended to vendors.urls."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from vendors import forms, tiering
from vendors.models import TieringSelfReport
from vendors.policies import vendor_policy
from vendors.services.self_report import tiering_self_report_adopt, tiering_self_report_set_aside
from vendors.services.tiering import rules_in_force
from vendors.views._common import vendor_for, vendor_form


def _reports(vendor):
    return vendor.tiering_self_reports.select_related("submitted_by", "reviewed_by", "assessment")


def answer_rows(answers: dict) -> list[tuple[str, str]]:
    """(question, answer) in the questionnaire's order, with the answers' labels."""
    rows = []
    for question in tiering.QUESTIONS:
        code = answers.get(question.code, "")
        rows.append((question.label, dict(question.answers).get(code, code or "—")))
    return rows


@login_required
@require_GET
def self_report_list(request, pk):
    vendor = vendor_for(request, pk)
    return render(request, "vendors/self_report/list.html", {
        "vendor": vendor, "reports": list(_reports(vendor)),
    })


@login_required
@require_GET
def self_report_detail(request, pk, report_id):
    vendor = vendor_for(request, pk)
    report = get_object_or_404(_reports(vendor), pk=report_id)
    try:
        would_be = tiering.assess(report.answers, rules_in_force()[1])
    except tiering.InvalidAnswers:  # the questionnaire changed since the vendor answered
        would_be = None
    return render(request, "vendors/self_report/detail.html", {
        "vendor": vendor, "report": report, "answers": answer_rows(report.answers), "would_be": would_be,
        "would_be_label": tiering.TIER_LABELS.get(would_be.tier) if would_be else "",
        "can_decide": (report.status == TieringSelfReport.Status.PENDING
                       and vendor_policy.can(request.user, "tier", vendor)),
    })


def _decide(request, pk, report_id, service, *, title, submit, done):
    vendor = vendor_for(request, pk, "tier")
    report = get_object_or_404(_reports(vendor), pk=report_id)
    return vendor_form(
        request, forms.ReasonForm,
        lambda form: service(actor=request.user, report=report, reason=form.cleaned_data["reason"]),
        vendor=vendor, title=title, submit=submit, done=done,
        success=lambda result: result.vendor.get_absolute_url() + "#tier",
        intro="Give a reason; it is kept in the audit trail with the vendor's answers.")


@login_required
@require_POST
def self_report_adopt(request, pk, report_id):
    return _decide(request, pk, report_id, tiering_self_report_adopt, title="Adopt the vendor's tiering answers",
                   submit="Adopt and work out the tier",
                   done=lambda report: f"Answers adopted. {report.assessment.explanation}")


@login_required
@require_POST
def self_report_set_aside(request, pk, report_id):
    return _decide(request, pk, report_id, tiering_self_report_set_aside,
                   title="Set the vendor's tiering answers aside", submit="Set aside",
                   done="Answers set aside; the tier is unchanged.")


urls: list = [
    path("<int:pk>/self-reports/", self_report_list, name="self_reports"),
    path("<int:pk>/self-reports/<int:report_id>/", self_report_detail, name="self_report_detail"),
    path("<int:pk>/self-reports/<int:report_id>/adopt/", self_report_adopt, name="self_report_adopt"),
    path("<int:pk>/self-reports/<int:report_id>/set-aside/", self_report_set_aside, name="self_report_set_aside"),
]
