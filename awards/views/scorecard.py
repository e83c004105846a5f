"""Views of the scorecard, the scoring grid and the results. Fetch-and-authorize, call one service, answer.

Who sees what: everyone who sees the procedure sees its scorecard (criteria, weights, guidance); only assigned
evaluators open the scoring grid; only the lead, the business owner and auditors open the results
(awards.results.sees_results). Someone who cannot see the procedure gets 404 on every URL here.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from awards import results, services
from awards.forms.procedure import ReasonForm
from awards.forms.scorecard import (
    ConsensusForm,
    CriterionForm,
    GroupForm,
    KnockoutDecisionForm,
    KnockoutForm,
    ScorecardCreateForm,
    SheetImportForm,
    ShortlistForm,
)
from awards.models import AwardProcedure, Bid
from awards.models.scorecard import Criterion, CriterionGroup, Knockout, Scorecard, ScoreSheet
from awards.policies import procedure_policy
from awards.scorecard_checks import uncovered_musts
from awards.views.procedure import procedure_for_request
from procurement.exceptions import DomainError
from procurement.forms import attempt_service

# --- helpers ------------------------------------------------------------------------------------------------




def _scorecard(procedure) -> Scorecard:
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    if scorecard is None:
        raise Http404("This procedure has no scorecard yet.")
    return scorecard


def _results_procedure(request, reference) -> AwardProcedure:
    procedure = procedure_for_request(request, reference)
    if not results.sees_results(request.user, procedure):
        raise PermissionDenied("Only the procurement lead, the business owner and auditors see the results.")
    return procedure




def _form_page(request, *, procedure, form, title, intro="", submit="Save", back=None, danger=False, status=200,
               extra=None):
    return render(request, "awards/scorecard/form.html", {
        "procedure": procedure, "form": form, "title": title, "intro": intro, "submit": submit,
        "back": back or reverse("awards:scorecard", args=[procedure.reference]), "danger": danger,
        "multipart": isinstance(form, SheetImportForm), **(extra or {}),
    }, status=status)


def _scorecard_url(procedure, anchor: str = "") -> str:
    return reverse("awards:scorecard", args=[procedure.reference]) + (f"#{anchor}" if anchor else "")


# --- the scorecard ------------------------------------------------------------------------------------------


@login_required
@require_GET
def scorecard(request, reference):
    procedure = procedure_for_request(request, reference)
    card = Scorecard.objects.filter(procedure=procedure).select_related("locked_by").first()
    can_edit = procedure_policy.allows(request.user, "edit", procedure)
    context = {"procedure": procedure, "scorecard": card, "can_edit": can_edit,
               "sees_results": results.sees_results(request.user, procedure)}
    if card is None:
        context["create_form"] = ScorecardCreateForm()
        return render(request, "awards/scorecard/scorecard.html", context)
    groups = list(CriterionGroup.objects.filter(scorecard=card).order_by("position", "pk"))
    criteria = list(Criterion.objects.filter(scorecard=card).prefetch_related("requirements")
                    .order_by("group__position", "group_id", "position", "pk"))
    weights, problems = results.effective_weights(groups, criteria)
    rows = [{"group": g, "criteria": [(c, weights.get(c.key)) for c in criteria if c.group_id == g.pk]}
            for g in groups]
    sheets = list(ScoreSheet.objects.filter(scorecard=card).select_related("evaluator")) if can_edit else []
    context.update({
        "rows": rows, "problems": problems, "uncovered": uncovered_musts(procedure),
        "knockouts": list(Knockout.objects.filter(scorecard=card).order_by("position", "pk")),
        "requirements": list(procedure.requirements.prefetch_related("criteria").order_by("pk")),
        "sheets": sheets, "is_evaluator": procedure.assignments.filter(evaluator=request.user).exists(),
    })
    return render(request, "awards/scorecard/scorecard.html", context)


@login_required
@require_POST
def scorecard_create(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    form = ScorecardCreateForm(request.POST)
    if form.is_valid() and attempt_service(form, lambda: services.scorecard_create(
            actor=request.user, procedure=procedure, template=form.cleaned_data["template"])):
        messages.success(request, "Scorecard created.")
        return redirect(_scorecard_url(procedure))
    return _form_page(request, procedure=procedure, form=form, title="Create the scorecard", submit="Create")


@login_required
def scorecard_lock(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    card = _scorecard(procedure)
    form = forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.scorecard_lock(actor=request.user, scorecard=card)):
        messages.success(request, "Scorecard locked. Later changes need a reason and reset the scores they affect.")
        return redirect(_scorecard_url(procedure))
    return _form_page(request, procedure=procedure, form=form, title="Lock the scorecard", submit="Lock it",
                      intro="Lock the criteria and weights before scoring starts (the first saved score locks it "
                            "anyway). After the lock every change needs a reason and resets the scores it affects.")


@login_required
def group_edit(request, reference, pk=None):
    procedure = procedure_for_request(request, reference, "edit")
    card = _scorecard(procedure)
    group = None
    if pk is not None:
        group = CriterionGroup.objects.filter(scorecard=card, pk=pk).first()
        if group is None:
            raise Http404("No such group.")
    initial = {"name": group.name, "weight": group.weight} if group else {}
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if group is None:
            call = lambda: services.group_add(actor=request.user, scorecard=card, **data)  # noqa: E731
        else:
            call = lambda: services.group_update(actor=request.user, group=group, **data)  # noqa: E731
        if attempt_service(form, call):
            messages.success(request, "Group saved.")
            return redirect(_scorecard_url(procedure, "criteria"))
    return _form_page(request, procedure=procedure, form=form, title=f"Edit {group.name}" if group else "Add a group")


@login_required
def criterion_edit(request, reference, pk=None):
    procedure = procedure_for_request(request, reference, "edit")
    card = _scorecard(procedure)
    criterion = None
    if pk is not None:
        criterion = Criterion.objects.filter(scorecard=card, pk=pk).first()
        if criterion is None:
            raise Http404("No such criterion.")
    initial = {}
    if criterion:
        initial = {"name": criterion.name, "group": criterion.group_id, "share": criterion.share,
                   "description": criterion.description, "guidance": criterion.guidance,
                   "requirements": list(criterion.requirements.values_list("pk", flat=True))}
    elif request.GET.get("group"):
        initial = {"group": request.GET["group"]}
    form = CriterionForm(request.POST or None, initial=initial, scorecard=card)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if criterion is None:
            group = data.pop("group")
            call = lambda: services.criterion_add(actor=request.user, group=group, **data)  # noqa: E731
        else:
            call = lambda: services.criterion_update(actor=request.user, criterion=criterion, **data)  # noqa: E731
        if attempt_service(form, call):
            messages.success(request, "Criterion saved.")
            return redirect(_scorecard_url(procedure, "criteria"))
    title = f"Edit {criterion.name}" if criterion else "Add a criterion"
    intro = ("The scorecard is locked: changing what this criterion means resets its scores, and the evaluators "
             "are told." if card.is_locked else "")
    return _form_page(request, procedure=procedure, form=form, title=title, intro=intro)


@login_required
def knockout_edit(request, reference, pk=None):
    procedure = procedure_for_request(request, reference, "edit")
    card = _scorecard(procedure)
    knockout = None
    if pk is not None:
        knockout = Knockout.objects.filter(scorecard=card, pk=pk).first()
        if knockout is None:
            raise Http404("No such knockout.")
    initial = {}
    if knockout:
        initial = {"name": knockout.name, "description": knockout.description, "kind": knockout.kind,
                   "standards": knockout.standards, "horizon_months": knockout.horizon_months}
    form = KnockoutForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if knockout is None:
            call = lambda: services.knockout_add(actor=request.user, scorecard=card, **data)  # noqa: E731
        else:
            call = lambda: services.knockout_update(actor=request.user, knockout=knockout, **data)  # noqa: E731
        if attempt_service(form, call):
            messages.success(request, "Knockout saved.")
            return redirect(_scorecard_url(procedure, "knockouts"))
    return _form_page(request, procedure=procedure, form=form,
                      title=f"Edit {knockout.name}" if knockout else "Add a knockout criterion")


@login_required
def sheet_reopen(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    sheet = ScoreSheet.objects.filter(scorecard__procedure=procedure, pk=pk).select_related("evaluator").first()
    if sheet is None:
        raise Http404("No such score sheet.")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_service(form, lambda: services.scoresheet_reopen(
            actor=request.user, sheet=sheet, reason=form.cleaned_data["reason"])):
        messages.success(request, f"The score sheet of {sheet.evaluator} is open again.")
        return redirect(_scorecard_url(procedure, "sheets"))
    return _form_page(request, procedure=procedure, form=form, title=f"Reopen the scores of {sheet.evaluator}",
                      submit="Reopen", intro="The evaluator can then change their scores and must submit again.")


# --- the scoring grid ---------------------------------------------------------------------------------------


def _grid(request, procedure) -> results.ScoringGrid:
    grid = results.scoring_grid(procedure, request.user)
    if grid.assignment is None:
        raise PermissionDenied("Only the evaluators assigned to this procedure score it.")
    return grid


@login_required
@require_GET
def scoring(request, reference):
    procedure = procedure_for_request(request, reference)
    grid = _grid(request, procedure)
    return render(request, "awards/scorecard/grid.html", {"procedure": procedure, "grid": grid,
                                                           "scale_range": range((grid.scorecard.scale if
                                                                                 grid.scorecard else 5) + 1)})


@login_required
@require_POST
def score_cell(request, reference):
    """Save one cell (htmx: answer with the cell's status line; without JS: back to the grid)."""
    procedure = procedure_for_request(request, reference)
    grid = _grid(request, procedure)
    bid = next((b for b in grid.bids if str(b.pk) == request.POST.get("bid")), None)
    criterion = next((c for c in Criterion.objects.filter(scorecard__procedure=procedure)
                      if str(c.pk) == request.POST.get("criterion")), None)
    value = (request.POST.get("value") or "").strip()
    rationale = request.POST.get("rationale") or ""
    error, saved = "", False
    if bid is None or criterion is None:
        error = "You cannot score this bid on this criterion."
    else:
        try:
            if value:
                services.score_save(actor=request.user, bid=bid, criterion=criterion, value=value,
                                    rationale=rationale)
                saved = True
            else:
                services.score_clear(actor=request.user, bid=bid, criterion=criterion)
        except ValidationError as exc:
            error = " ".join(m for msgs in getattr(exc, "message_dict", {"": exc.messages}).values() for m in msgs)
        except DomainError as exc:
            error = str(exc)
    if request.htmx:
        return render(request, "awards/scorecard/_cell_status.html", {"error": error, "saved": saved,
                                                                      "cleared": not value and not error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Score saved." if saved else "Score cleared.")
    return redirect(reverse("awards:scoring", args=[procedure.reference]))


@login_required
@require_POST
def scoring_submit(request, reference):
    procedure = procedure_for_request(request, reference)
    _grid(request, procedure)
    try:
        services.scoresheet_submit(actor=request.user, procedure=procedure)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Scores submitted. You now see the other evaluators' submitted scores.")
    return redirect(reverse("awards:scoring", args=[procedure.reference]))


# --- results ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def results_page(request, reference):
    procedure = _results_procedure(request, reference)
    data = results.procedure_results(procedure)
    can_edit = procedure_policy.allows(request.user, "edit", procedure)
    rows = []
    if data.result:
        for bid_result in list(data.result.ranking) + list(data.result.excluded):
            rows.append({"result": bid_result, "bid": data.bid_by_key[bid_result.key],
                         "probability": (data.monte_carlo.probability_of(bid_result.key)
                                         if data.monte_carlo and not bid_result.excluded else None)})
    flags = []
    if data.result:
        criteria = data.criterion_by_key
        for spread in data.result.flags:
            bid = data.bid_by_key[spread.bid]
            flags.append({"spread": spread, "bid": bid, "criterion": criteria[spread.criterion],
                          "note": data.notes.get((bid.pk, criteria[spread.criterion].pk))})
    knockout_rows = [{"bid": bid, "cells": [(k, data.decisions.get((k.pk, bid.pk))) for k in data.knockouts]}
                     for bid in data.bids]
    return render(request, "awards/scorecard/results.html", {
        "procedure": procedure, "data": data, "rows": rows, "flags": flags, "knockout_rows": knockout_rows,
        "can_edit": can_edit,
    })


@login_required
def knockout_decide(request, reference, knockout_id, bid_id):
    procedure = procedure_for_request(request, reference, "edit")
    knockout = Knockout.objects.filter(scorecard__procedure=procedure, pk=knockout_id).first()
    bid = Bid.objects.filter(procedure=procedure, pk=bid_id).select_related("vendor").first()
    if knockout is None or bid is None:
        raise Http404("No such knockout or bid.")
    proposed, basis = results.propose_knockout(knockout, bid, procedure.target_award_date)
    initial = {} if proposed is None else {"decision": "pass" if proposed else "fail"}
    form = KnockoutDecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and attempt_service(form, lambda: services.knockout_decide(
            actor=request.user, knockout=knockout, bid=bid, passed=form.cleaned_data["decision"] == "pass",
            reason=form.cleaned_data["reason"])):
        messages.success(request, f"{knockout.name}: decision for {bid.vendor} recorded.")
        return redirect(reverse("awards:results", args=[procedure.reference]) + "#knockouts")
    label = {True: "Pass", False: "Fail", None: "No proposal"}[proposed]
    return _form_page(request, procedure=procedure, form=form, title=f"{knockout.name}: {bid.vendor}",
                      intro=f"Proposed from the evidence: {label}. {basis}", submit="Confirm",
                      back=reverse("awards:results", args=[procedure.reference]))


@login_required
def consensus(request, reference, bid_id, criterion_id):
    procedure = procedure_for_request(request, reference, "edit")
    bid = Bid.objects.filter(procedure=procedure, pk=bid_id).select_related("vendor").first()
    criterion = Criterion.objects.filter(scorecard__procedure=procedure, pk=criterion_id).first()
    if bid is None or criterion is None:
        raise Http404("No such bid or criterion.")
    note = criterion.consensus_notes.filter(bid=bid).first()
    initial = {"note": note.note, "score": note.score} if note else {}
    form = ConsensusForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and attempt_service(form, lambda: services.consensus_record(
            actor=request.user, bid=bid, criterion=criterion, **form.cleaned_data)):
        messages.success(request, f"Consensus on {criterion.name} for {bid.vendor} recorded.")
        return redirect(reverse("awards:results", args=[procedure.reference]) + "#flags")
    return _form_page(request, procedure=procedure, form=form, title=f"Consensus: {bid.vendor}, {criterion.name}",
                      submit="Record the consensus", back=reverse("awards:results", args=[procedure.reference]),
                      intro=f"Scores run from 0 to {criterion.scorecard.scale}.")


@login_required
def shortlist(request, reference, bid_id):
    procedure = procedure_for_request(request, reference, "edit")
    bid = Bid.objects.filter(procedure=procedure, pk=bid_id).select_related("vendor", "procedure").first()
    if bid is None:
        raise Http404("No such bid.")
    form = ShortlistForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_service(form, lambda: services.bid_decide(
            actor=request.user, bid=bid, status=form.cleaned_data["decision"], reason=form.cleaned_data["reason"])):
        messages.success(request, f"Decision on {bid.vendor} recorded.")
        return redirect(reverse("awards:results", args=[procedure.reference]) + "#ranking")
    return _form_page(request, procedure=procedure, form=form, title=f"Shortlist or knock out {bid.vendor}",
                      submit="Record the decision", back=reverse("awards:results", args=[procedure.reference]))


# --- spreadsheets -------------------------------------------------------------------------------------------


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def results_export(request, reference, fmt):
    from awards import spreadsheets

    procedure = _results_procedure(request, reference)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Exports are CSV or XLSX.")
    data = results.procedure_results(procedure)
    if fmt == "csv":
        return _download(spreadsheets.results_csv(data).encode("utf-8-sig"), f"{procedure.reference}-results.csv",
                         "text/csv; charset=utf-8")
    return _download(spreadsheets.results_xlsx(data), f"{procedure.reference}-results.xlsx", XLSX)


@login_required
@require_GET
def sheet_export(request, reference):
    from awards import spreadsheets

    procedure = procedure_for_request(request, reference)
    grid = _grid(request, procedure)
    return _download(spreadsheets.sheet_xlsx(procedure, grid), f"{procedure.reference}-my-scores.xlsx", XLSX)


@login_required
def sheet_import(request, reference):
    """Upload a filled-in sheet: validate every row and show a preview; save only on confirmation."""
    from awards import spreadsheets

    procedure = procedure_for_request(request, reference)
    grid = _grid(request, procedure)
    form = SheetImportForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and request.POST.get("confirm") and request.session.get("score_import"):
        stored = request.session["score_import"]
        if stored.get("procedure") != procedure.pk:
            raise Http404("No import pending.")
        try:
            count = spreadsheets.sheet_apply(procedure=procedure, actor=request.user, rows=stored["rows"])
        except (DomainError, ValidationError) as exc:
            messages.error(request, "Nothing was saved: " + (str(exc) if isinstance(exc, DomainError)
                                                               else " ".join(exc.messages)))
        else:
            messages.success(request, f"{count} score{'s' if count != 1 else ''} imported.")
        request.session.pop("score_import", None)
        return redirect(reverse("awards:scoring", args=[procedure.reference]))
    if request.method == "POST" and form.is_valid():
        preview = spreadsheets.sheet_parse(form.cleaned_data["file"], procedure=procedure, grid=grid)
        if preview.errors:
            for error in preview.errors:
                form.add_error("file", error)
            request.session.pop("score_import", None)
        else:
            request.session["score_import"] = {"procedure": procedure.pk, "rows": preview.serialisable()}
    return render(request, "awards/scorecard/import.html", {"procedure": procedure, "form": form,
                                                            "preview": preview},
                  status=200)
