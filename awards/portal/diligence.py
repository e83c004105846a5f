"""Portal pages: due diligence from the source (issue 20).

A vendor's contact answers the tiering questions (vendors.services.self_report.tiering_self_report_submit) and
uploads evidence for each item the vendor's due-diligence plan asks for (vendors.services.evidence_upload, always
recorded as vendor self-reported). The page is the bidder's own vendor's only (awards.portal.access).

What a bidder reads back, and what they never do:
- their vendor's tiering answers, each with "awaiting review", "adopted" or "set aside" — never the tier, its
  reasons or the reviewer's reason;
- per plan item, the evidence their company sent through the portal, each with "awaiting review", "accepted" or
  "not accepted" (a rejection and "gaps noted" both read "not accepted"; the reviewer's notes stay internal, the
  reviewer tells the vendor what is missing in their own words) — never evidence our people or third parties
  supplied, nor any checklist verdict built on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from awards.portal.access import bidder_required, bidder_vendor_or_404
from procurement.posting import put_on_form
from vendors.forms import DateInput, TieringForm
from vendors.models import ALWAYS_INDEPENDENT_KINDS, Evidence, EvidenceKind, TieringSelfReport
from vendors.selectors import STRICTEST_TIER, dd_plans, tier_obligations
from vendors.services import evidence_upload
from vendors.services.self_report import tiering_self_report_submit

# What a bidder reads of an internal review (see the module docstring).
REVIEW_SHOWN = {
    Evidence.Outcome.PENDING: ("pending", "Awaiting review"),
    Evidence.Outcome.ACCEPTED: ("accepted", "Accepted"),
    Evidence.Outcome.REJECTED: ("rejected", "Not accepted"),
    Evidence.Outcome.GAPS_NOTED: ("rejected", "Not accepted"),
}
REPORT_SHOWN = {
    TieringSelfReport.Status.PENDING: ("pending", "Awaiting review"),
    TieringSelfReport.Status.ADOPTED: ("accepted", "Adopted"),
    TieringSelfReport.Status.SET_ASIDE: ("rejected", "Set aside"),
}


class AnswersForm(TieringForm):
    """The internal tiering questionnaire's questions (vendors.forms.TieringForm), plus a comment."""

    comment = forms.CharField(label="Anything you want us to know (optional)", required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="For example, how your answers depend on the way we would use the product.")


class UploadForm(forms.Form):
    file = forms.FileField(label="File", help_text="PDF, images, Office documents, CSV, plain text or ZIP.")
    title = forms.CharField(label="Title", max_length=200, help_text="What the document is, e.g. “SOC 2 Type II "
                                                                     "report 2026”.")
    effective_date = forms.DateField(label="Date of the document", widget=DateInput,
                                     help_text="The date it speaks for, e.g. the report or audit date.")
    valid_until = forms.DateField(label="Valid until", required=False, widget=DateInput,
                                  help_text="Leave empty when it does not expire.")


@dataclass
class Item:
    kind: str
    label: str
    guidance: str
    independent: bool  # the plan settles this item only with evidence from someone other than the vendor
    sent: list
    form: UploadForm


def _shown(evidence: Evidence) -> Evidence:
    evidence.shown_state, evidence.shown_label = REVIEW_SHOWN.get(evidence.review_outcome, ("pending", "Awaiting "
                                                                                                         "review"))
    return evidence


def plan_items(vendor, *, forms_by_kind: dict | None = None) -> list[Item]:
    """The items the vendor's plan asks for (an untiered vendor: the strictest plan, as tier_obligations decides),
    each with the evidence the vendor's contacts sent through the portal and an upload form."""
    plans = dd_plans()
    plan = plans.get(vendor.tier or STRICTEST_TIER) or plans.get(STRICTEST_TIER)
    rows = {row.evidence_kind: row for row in plan.requirements.all()} if plan else {}
    sent = list(Evidence.objects.filter(vendor=vendor, source=Evidence.Source.SELF_REPORTED,
                                        uploaded_by__vendor_contact__vendor=vendor).order_by("-uploaded_at", "-pk"))
    items = []
    for kind in tier_obligations(vendor.tier, plans=plans).required_evidence_kinds:
        row = rows.get(kind)
        items.append(Item(kind=kind, label=EvidenceKind(kind).label, guidance=row.guidance if row else "",
                          independent=row.needs_independent_evidence if row else kind in ALWAYS_INDEPENDENT_KINDS,
                          sent=[_shown(e) for e in sent if e.kind == kind],
                          form=(forms_by_kind or {}).get(kind) or UploadForm(prefix=kind)))
    return items


def _page(request, vendor, *, answers_form=None, forms_by_kind=None, status=200):
    reports = list(TieringSelfReport.objects.filter(vendor=vendor).select_related("submitted_by"))
    for report in reports:
        report.shown_state, report.shown_label = REPORT_SHOWN[report.status]
    return render(request, "portal/diligence/page.html", {
        "vendor": vendor, "reports": reports, "items": plan_items(vendor, forms_by_kind=forms_by_kind),
        "answers_form": answers_form or AnswersForm(prefix="tiering"),
    }, status=status)


@bidder_required
@require_GET
def diligence(request):
    return _page(request, bidder_vendor_or_404(request.user))


@bidder_required
@require_POST
def diligence_answers(request):
    vendor = bidder_vendor_or_404(request.user)
    form = AnswersForm(request.POST, prefix="tiering")
    if form.is_valid():
        data = dict(form.cleaned_data)
        comment = data.pop("comment", "")
        try:
            tiering_self_report_submit(actor=request.user, vendor=vendor, answers=data, comment=comment)
        except ValidationError as exc:
            put_on_form(form, exc)
        else:
            messages.success(request, "Thank you: your answers were sent. We will review them and may contact you.")
            return redirect(reverse("portal:diligence") + "#answers")
    return _page(request, vendor, answers_form=form, status=400)


@bidder_required
@require_POST
def diligence_upload(request, kind):
    vendor = bidder_vendor_or_404(request.user)
    if kind not in tier_obligations(vendor.tier).required_evidence_kinds:
        raise Http404("No such item in your due diligence.")
    form = UploadForm(request.POST, request.FILES, prefix=kind)
    if form.is_valid():
        data = form.cleaned_data
        try:
            evidence = evidence_upload(actor=request.user, vendor=vendor, content=data["file"],
                                       original_name=data["file"].name, kind=kind, title=data["title"],
                                       source=Evidence.Source.SELF_REPORTED, effective_date=data["effective_date"],
                                       valid_until=data["valid_until"])
        except ValidationError as exc:
            put_on_form(form, exc)
        else:
            messages.success(request, f"“{evidence.title}” was received and waits for our review.")
            return redirect(reverse("portal:diligence") + f"#item-{kind}")
    return _page(request, vendor, forms_by_kind={kind: form}, status=400)


urlpatterns: list = [
    path("diligence/", diligence, name="diligence"),
    path("diligence/answers/", diligence_answers, name="diligence_answers"),
    path("diligence/evidence/<str:kind>/", diligence_upload, name="diligence_upload"),
]
