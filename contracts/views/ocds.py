"""The open contracting (OCDS) publication pages: which procedures are published, publish / withdraw with a
reason, and the packages to download. Leads decide; auditors read; everyone else is refused."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from contracts.forms.ocds import PublicationDecisionForm, PublicationFilterForm
from contracts.ocds import builder, selectors
from contracts.ocds.policies import LEADS_AND_AUDITORS, publication_policy
from contracts.services.publication import publication_publish, publication_withdraw
from procurement import authz
from procurement.listing import paginate_sorted
from procurement.posting import handle_form

COLUMNS = [("reference", "Reference", True), ("title", "Procedure", True), ("stage", "Stage", True),
           ("state", "Publication", True), ("decided", "Decided", True), ("actions", "Actions", False)]
NOTHING_PUBLISHED = ("No procedure is published yet, so there is no bulk package: an OCDS package holds at least "
                     "one release. Publish a procedure first.")
SORT_FIELDS = {"reference": "reference", "title": "title", "stage": "stage", "state": "ocds_publication__status",
               "decided": "ocds_publication__decided_at"}


def _reader(request) -> None:
    if not publication_policy.sees_everything(request.user):
        raise PermissionDenied(LEADS_AND_AUDITORS)


def _procedure(request, reference: str, action: str = "view"):
    return authz.get_for_user_or_404(request.user, publication_policy, action=action, reference=reference)


@login_required
@require_GET
def publication_list(request):
    _reader(request)
    filters = PublicationFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    queryset = publication_policy.visible(request.user).select_related("ocds_publication__decided_by")
    state = params.get("state")
    if state == "unpublished":
        queryset = queryset.filter(ocds_publication__isnull=True)
    elif state:
        queryset = queryset.filter(ocds_publication__status=state)
    if params.get("q"):
        queryset = queryset.filter(Q(reference__icontains=params["q"]) | Q(title__icontains=params["q"]))
    listing = paginate_sorted(request, queryset, sort_fields=SORT_FIELDS, default_sort="-reference")
    return render(request, "contracts/ocds/publication_list.html", {
        **listing, "filters": filters, "columns": COLUMNS, "row_template": "contracts/ocds/_publication_row.html",
        "can_decide": publication_policy.can(request.user, "publish"),
        "published_count": selectors.published().count(),
    })


def _decision(request, reference: str, *, action: str, service, title: str, submit: str, intro: str, done: str):
    procedure = _procedure(request, reference, action)
    return handle_form(
        request, PublicationDecisionForm,
        lambda form: service(actor=request.user, procedure=procedure, reason=form.cleaned_data["reason"]),
        template="contracts/ocds/decision.html", success=reverse("contracts:ocds_list"), done=done,
        context={"procedure": procedure, "title": title, "submit": submit, "intro": intro,
                 "publication": getattr(procedure, "ocds_publication", None)})


@login_required
def publication_publish_view(request, reference):
    return _decision(
        request, reference, action="publish", service=publication_publish,
        title=f"Publish {reference} as open contracting data", submit="Confirm: publish",
        intro="Its tender, award, contract and implementation releases (public fields only, see the list below) "
              "will be served to every API client and included in the bulk package.",
        done=f"{reference} is published as open contracting data.")


@login_required
def publication_withdraw_view(request, reference):
    return _decision(
        request, reference, action="withdraw", service=publication_withdraw,
        title=f"Withdraw {reference} from open contracting data", submit="Confirm: withdraw",
        intro="Its package will answer “not found” and it leaves the bulk package. Copies already downloaded by "
              "others cannot be recalled.",
        done=f"{reference} is withdrawn from open contracting data.")


def _download(payload: dict, filename: str) -> HttpResponse:
    response = HttpResponse(json.dumps(payload, indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def procedure_package_download(request, reference):
    """The package of one procedure: what is published, or for an unpublished one what would be (a preview)."""
    procedure = _procedure(request, reference)
    loaded = selectors.procedures_for_ocds(publication_policy.visible(request.user).filter(pk=procedure.pk))[0]
    return _download(builder.procedure_package(loaded, request=request), f"ocds-{procedure.reference}.json")


@login_required
@require_GET
def bulk_package_download(request):
    _reader(request)
    procedures = selectors.procedures_for_ocds(selectors.published())
    if not procedures:
        return render(request, "errors/409.html", {"message": NOTHING_PUBLISHED}, status=409)
    return _download(builder.bulk_package(procedures, request=request), "ocds-bulk.json")
