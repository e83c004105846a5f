"""The scorecard builder: requirements, groups, criteria, weights and knockouts in one screen (issue 21).

URL names (namespace "awards"):
  scorecard_builder          the page (GET); POST saves through scorecard_build ("save"), checks without saving
                             ("check") or adds blank rows ("more": the way to add rows without JavaScript)
  scorecard_builder_row      POST (htmx): one blank row of a table, numbered after the rows posted with it
  scorecard_builder_preview  POST (htmx): the totals partial and every row's errors, from a dry run of the build
  scorecard_export           GET: the scorecard as an XLSX workbook (anyone who sees the procedure)
  scorecard_import           POST: a workbook read into the builder as a preview; the lead saves it like any edit
  pov_criterion_remove       GET the confirmation, POST remove one POV criterion with a reason (before the lock)

Who: the procedure's lead (procedure_policy "edit") edits; whoever may view the procedure gets a read-only page and
the export; anyone else 404. Every write is scorecard_build (or pov_criterion_remove): one home for the rules.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awards import scorecard_workbook
from awards.forms.builder import KINDS, PRIORITIES, SECTIONS, STANDARDS, BuilderData, row_errors
from awards.forms.procedure import ReasonForm
from awards.models import Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Scorecard
from awards.policies import procedure_policy
from awards.services.pov import pov_criterion_remove as pov_criterion_remove_service
from awards.services.scorecard import EDITABLE_STAGES
from awards.services.scorecard_builder import (
    ScorecardBuildInvalid,
    builder_totals,
    scorecard_build,
    scorecard_build_check,
)
from awards.views.procedure import _bid, action_page, procedure_for_request
from procurement.exceptions import DomainError
from procurement.posting import refusal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUIREMENT_STAGES = (Stage.DRAFT, Stage.REQUIREMENTS)


# --- reading the scorecard ----------------------------------------------------------------------------------


def _loaded(procedure) -> dict:
    """Everything the page shows, in a fixed number of queries however many rows there are."""
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    requirements = list(Requirement.objects.filter(procedure=procedure).order_by("pk"))
    if scorecard is None:
        return {"scorecard": None, "requirements": requirements, "groups": [], "criteria": [], "knockouts": []}
    return {"scorecard": scorecard, "requirements": requirements,
            "groups": list(scorecard.groups.order_by("position", "pk")),
            "criteria": list(scorecard.criteria.select_related(None).prefetch_related("requirements")
                             .order_by("group__position", "group_id", "position", "pk")),
            "knockouts": list(scorecard.knockouts.order_by("position", "pk"))}


def _from_post(request, loaded: dict) -> BuilderData:
    data = BuilderData.from_post(request.POST)
    codes = {str(r.pk): r.code for r in loaded["requirements"]}
    for row in data.rows["req"].values():
        row["code"] = codes.get(str(row.get("id") or ""), "")
    return data


def _editable(procedure, user) -> bool:
    return procedure_policy.allows(user, "edit", procedure) and procedure.stage in EDITABLE_STAGES


def _context(request, procedure, loaded: dict, data: BuilderData, *, errors: dict | None = None,
             origin: dict | None = None, can_edit: bool, **extra) -> dict:
    arguments, sent = data.service_arguments()
    totals = builder_totals(arguments["groups"], arguments["criteria"])
    by_row, top = row_errors(errors or {}, origin if origin is not None else sent)
    weight_of = {sent["criteria"][position]: weight for position, weight in totals.weights.items()}
    tables = {prefix: [{"index": i, "row": row, "errors": by_row[prefix].get(i, {}),
                        "weight": weight_of.get(i) if prefix == "crit" else None}
                       for i, row in data.rows[prefix].items()] for prefix in SECTIONS}
    scorecard = loaded["scorecard"]
    return {
        "procedure": procedure, "scorecard": scorecard, "data": data, "can_edit": can_edit,
        "locked": bool(scorecard and scorecard.is_locked), "requirements_open": procedure.stage in REQUIREMENT_STAGES,
        "totals": totals, "tables": tables, "row_errors": by_row, "top_errors": top,
        "has_errors": bool(errors), "group_choices": data.group_choices(),
        "requirement_choices": data.requirement_choices(), "priorities": PRIORITIES, "kinds": KINDS,
        "standards": STANDARDS, "sections": SECTIONS, **extra,
    }


def _page(request, procedure, loaded, data, *, status=200, **kwargs):
    context = _context(request, procedure, loaded, data, **kwargs)
    return render(request, "awards/builder/builder.html", context, status=status)


# --- the page -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_builder(request, reference):
    if request.method == "POST":
        procedure = procedure_for_request(request, reference, "edit")
    else:
        procedure = procedure_for_request(request, reference)
    can_edit = _editable(procedure, request.user)
    loaded = _loaded(procedure)
    if request.method == "GET":
        data = BuilderData.from_scorecard(**loaded)
        if can_edit:
            for prefix in SECTIONS:
                data.add_blank(prefix, 0 if prefix == "req" and procedure.stage not in REQUIREMENT_STAGES else 1)
        return _page(request, procedure, loaded, data, can_edit=can_edit)

    data = _from_post(request, loaded)
    action = request.POST.get("action", "save")
    if action == "more":
        for prefix in SECTIONS:
            data.add_blank(prefix, 0 if prefix == "req" and procedure.stage not in REQUIREMENT_STAGES else 2)
        return _page(request, procedure, loaded, data, can_edit=can_edit)
    arguments, origin = data.service_arguments()
    try:
        if action == "check":
            errors = scorecard_build_check(actor=request.user, procedure=procedure, **arguments)
            return _page(request, procedure, loaded, data, errors=errors, origin=origin, can_edit=can_edit,
                         checked=not errors, status=400 if errors else 200)
        scorecard_build(actor=request.user, procedure=procedure, **arguments)
    except ScorecardBuildInvalid as exc:
        return _page(request, procedure, loaded, data, errors=exc.errors, origin=origin, can_edit=can_edit,
                     status=400)
    except DomainError as exc:
        return refusal(request, exc)
    messages.success(request, "Scorecard saved.")
    return redirect(reverse("awards:scorecard", args=[procedure.reference]))


@login_required
@require_POST
def scorecard_builder_row(request, reference, section):
    """One blank row (htmx "add a row"), numbered after the rows the page posted with the request."""
    procedure = procedure_for_request(request, reference, "edit")
    if section not in SECTIONS:
        raise Http404("No such table.")
    loaded = {"requirements": list(Requirement.objects.filter(procedure=procedure).order_by("pk"))}
    data = _from_post(request, loaded)
    index = data.next_index(section)
    data.add_blank(section)
    if index not in data.rows[section]:
        return HttpResponse(status=204)  # the table is full
    context = {"procedure": procedure, "index": index, "row": data.rows[section][index], "errors": {},
               "can_edit": True, "group_choices": data.group_choices(), "priorities": PRIORITIES,
               "requirement_choices": data.requirement_choices(), "kinds": KINDS, "standards": STANDARDS,
               "requirements_open": procedure.stage in REQUIREMENT_STAGES, "weight": None}
    return render(request, f"awards/builder/_row_{section}.html", context)


@login_required
@require_POST
def scorecard_builder_preview(request, reference):
    """The running totals and the rows' errors as the lead types: the build run and rolled back."""
    procedure = procedure_for_request(request, reference, "edit")
    loaded = {"scorecard": Scorecard.objects.filter(procedure=procedure).first(),
              "requirements": list(Requirement.objects.filter(procedure=procedure).order_by("pk"))}
    data = _from_post(request, loaded)
    arguments, origin = data.service_arguments()
    try:
        errors = scorecard_build_check(actor=request.user, procedure=procedure, **arguments)
    except DomainError as exc:
        errors = {"__all__": [str(exc)]}
    context = _context(request, procedure, loaded, data, errors=errors, origin=origin, can_edit=True,
                       preview=True)
    return render(request, "awards/builder/_preview.html", context)


# --- XLSX ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def scorecard_export(request, reference):
    procedure = procedure_for_request(request, reference)
    loaded = _loaded(procedure)
    if loaded["scorecard"] is None:
        raise Http404("This procedure has no scorecard yet.")
    data = BuilderData.from_scorecard(**loaded)
    arguments, _ = data.service_arguments()
    totals = builder_totals(arguments["groups"], arguments["criteria"])
    group_name = {str(i): row["name"] for i, row in data.rows["group"].items()}
    code_of = {str(i): row["code"] for i, row in data.rows["req"].items()}
    criteria = [{**row, "group": group_name.get(row["group"], ""),
                 "requirements": [code_of[r] for r in row["requirements"] if r in code_of]}
                for row in arguments["criteria"]]
    content = scorecard_workbook.scorecard_xlsx(scale=loaded["scorecard"].scale, groups=arguments["groups"],
                                                criteria=criteria, knockouts=arguments["knockouts"],
                                                weights=totals.weights)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{procedure.reference}-scorecard.xlsx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def scorecard_import(request, reference):
    """Read a workbook into the builder as a preview. Nothing is saved here: the lead reviews the rows and saves
    them with the page's Save button (scorecard_build). Rows whose names match the scorecard's keep their ids, so
    an edited workbook updates them instead of replacing them."""
    procedure = procedure_for_request(request, reference, "edit")
    can_edit = _editable(procedure, request.user)
    loaded = _loaded(procedure)
    current = BuilderData.from_scorecard(**loaded)
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, procedure, loaded, current, can_edit=can_edit, status=400,
                     import_errors=["Choose the XLSX file to import."])
    parsed = scorecard_workbook.scorecard_parse(upload, requirement_codes={r.code for r in loaded["requirements"]})
    if parsed.errors:
        return _page(request, procedure, loaded, current, can_edit=can_edit, status=400,
                     import_errors=parsed.errors)
    data = _imported(current, parsed)
    arguments, origin = data.service_arguments()
    try:
        errors = scorecard_build_check(actor=request.user, procedure=procedure, **arguments)
    except DomainError as exc:
        return refusal(request, exc)
    return _page(request, procedure, loaded, data, errors=errors, origin=origin, can_edit=can_edit,
                 imported=upload.name, status=400 if errors else 200)


def _imported(current: BuilderData, parsed) -> BuilderData:
    """The builder's rows from a parsed workbook: requirements as they are, groups, criteria and knockouts as in
    the file, each matched by name to an existing row (which keeps its id) when there is one."""
    data = BuilderData(scale=parsed.scale, reason="")
    data.rows["req"] = dict(current.rows["req"])
    req_by_code = {row["code"]: str(i) for i, row in current.rows["req"].items()}

    def matcher(rows):
        free: dict[str, list[str]] = {}
        for row in rows.values():
            free.setdefault(row["name"].strip().lower(), []).append(row["id"])

        def id_for(name: str) -> str:
            ids = free.get(name.strip().lower())
            return ids.pop(0) if ids else ""
        return id_for

    group_id, criterion_id, knockout_id = (matcher(current.rows[p]) for p in ("group", "crit", "ko"))
    group_index = {}
    for i, g in enumerate(parsed.groups):
        group_index[g["name"].lower()] = str(i)
        data.rows["group"][i] = {"id": group_id(g["name"]), "name": g["name"], "weight": g["weight"]}
    for i, c in enumerate(parsed.criteria):
        data.rows["crit"][i] = {"id": criterion_id(c["name"]), "group": group_index.get(c["group"].lower(), ""),
                                "name": c["name"], "description": c["description"], "guidance": c["guidance"],
                                "share": c["share"], "requirements": [req_by_code[code] for code in c["requirements"]
                                                                      if code in req_by_code]}
    for i, k in enumerate(parsed.knockouts):
        data.rows["ko"][i] = {"id": knockout_id(k["name"]), "name": k["name"], "description": k["description"],
                              "kind": k["kind"], "standards": k["standards"],
                              "horizon_months": str(k["horizon_months"])}
    return data


# --- POV criteria -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pov_criterion_remove(request, reference, pk, criterion_id):
    """Ask for the reason, then remove one of our POV success criteria (only before the protocol is locked)."""
    from awards import selectors

    bid = _bid(request, reference, pk, "edit")
    criterion = get_object_or_404(selectors.bid_pov_criteria(bid), pk=criterion_id)
    return action_page(
        request, ReasonForm,
        lambda form: pov_criterion_remove_service(actor=request.user, criterion=criterion,
                                                  reason=form.cleaned_data["reason"]),
        procedure=bid.procedure, bid=bid, title=f"Remove the POV criterion “{criterion.metric}”?",
        submit="Remove it", danger=True, success=f"{bid.get_absolute_url()}#pov", done="POV criterion removed.",
        intro="Only before the protocol is locked. The reason is kept in the audit trail with your name.")


urls = [
    path("<str:reference>/set-up/scorecard/", scorecard_builder, name="scorecard_builder"),
    path("<str:reference>/set-up/scorecard/rows/<str:section>/", scorecard_builder_row,
         name="scorecard_builder_row"),
    path("<str:reference>/set-up/scorecard/preview/", scorecard_builder_preview, name="scorecard_builder_preview"),
    path("<str:reference>/set-up/scorecard/export.xlsx", scorecard_export, name="scorecard_export"),
    path("<str:reference>/set-up/scorecard/import/", scorecard_import, name="scorecard_import"),
    path("<str:reference>/bids/<int:pk>/pov/criteria/<int:criterion_id>/remove/", pov_criterion_remove,
         name="pov_criterion_remove"),
]
