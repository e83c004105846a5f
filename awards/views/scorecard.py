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
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from awards import results, selectors, services
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
from awards.models import AwardProcedure
from awards.models.scorecard import Scorecard
from awards.policies import procedure_policy
from awards.selectors.rationales import bid_rationales_page, rationales_access, rationales_context
from awards.views.procedure import procedure_for_request
from procurement.exceptions import DomainError
from procurement.posting import handle_form

# --- helpers ------------------------------------------------------------------------------------------------


def _scorecard(procedure) -> Scorecard:
    scorecard = selectors.scorecard_of(procedure)
    if scorecard is None:
        raise Http404("This procedure has no scorecard yet.")
    return scorecard


def _results_procedure(request, reference) -> AwardProcedure:
    procedure = procedure_for_request(request, reference)
    if not results.sees_results(request.user, procedure):
        raise PermissionDenied("Only the procurement lead, the business owner and auditors see the results.")
    return procedure


def _form_page(request, form_class, call, *, procedure, title, success, done="", intro="", submit="Save",
               back=None, danger=False, form_kwargs=None, extra=None):
    """A scorecard form page answered by procurement.posting.handle_form (400 invalid, 409 refused)."""
    context = {"procedure": procedure, "title": title, "intro": intro, "submit": submit,
               "back": back or reverse("awards:scorecard", args=[procedure.reference]), "danger": danger,
               "multipart": False, **(extra or {})}
    return handle_form(request, form_class, call, template="awards/scorecard/form.html", context=context,
                       success=success, done=done, form_kwargs=form_kwargs)


def _scorecard_url(procedure, anchor: str = "") -> str:
    return reverse("awards:scorecard", args=[procedure.reference]) + (f"#{anchor}" if anchor else "")


def _results_url(procedure, anchor: str = "") -> str:
    return reverse("awards:results", args=[procedure.reference]) + (f"#{anchor}" if anchor else "")


# --- the scorecard ------------------------------------------------------------------------------------------


@login_required
@require_GET
def scorecard(request, reference):
    procedure = procedure_for_request(request, reference)
    card = selectors.scorecard_of(procedure)
    can_edit = procedure_policy.allows(request.user, "edit", procedure)
    context = {"procedure": procedure, "scorecard": card, "can_edit": can_edit,
               "sees_results": results.sees_results(request.user, procedure)}
    if card is None:
        context["create_form"] = ScorecardCreateForm()
        return render(request, "awards/scorecard/scorecard.html", context)
    context.update(selectors.scorecard_page(procedure, request.user, card=card, can_edit=can_edit))
    return render(request, "awards/scorecard/scorecard.html", context)


@login_required
@require_POST
def scorecard_create(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    return _form_page(
        request, ScorecardCreateForm,
        lambda form: services.scorecard_create(actor=request.user, procedure=procedure,
                                               template=form.cleaned_data["template"]),
        procedure=procedure, title="Create the scorecard", submit="Create", success=_scorecard_url(procedure),
        done="Scorecard created.")


@login_required
def scorecard_lock(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    card = _scorecard(procedure)
    return _form_page(
        request, forms.Form, lambda form: services.scorecard_lock(actor=request.user, scorecard=card),
        procedure=procedure, title="Lock the scorecard", submit="Lock it", success=_scorecard_url(procedure),
        done="Scorecard locked. Later changes need a reason and reset the scores they affect.",
        intro="Lock the criteria and weights before scoring starts (the first saved score locks it anyway). After "
              "the lock every change needs a reason and resets the scores it affects.")


@login_required
def scorecard_price(request, reference):
    """The price formula, its ceiling and the criterion it scores (issue 20)."""
    from awards.forms.scorecard import PriceFormulaForm
    from awards.services.scorecard import scorecard_set_price

    procedure = procedure_for_request(request, reference, "edit")
    card = _scorecard(procedure)
    current = card.criteria.filter(price_scored=True).first()
    return _form_page(
        request, PriceFormulaForm,
        lambda form: scorecard_set_price(actor=request.user, scorecard=card, **form.cleaned_data),
        procedure=procedure, title="Price formula", success=_scorecard_url(procedure, "price"),
        done="Price formula saved.", form_kwargs={"scorecard": card, "initial": {
            "formula": card.price_formula, "ceiling": card.price_ceiling, "criterion": current}},
        intro="Price is scored by a stated formula, not by the evaluators. Baton adds up each bid's price schedule "
              "over the procedure's term, converts it to the base currency at the rate of the proposals-due date, "
              "and gives the cheapest bid full marks. With “lowest ÷ bid” the others get full marks × lowest total "
              "÷ their total; with the linear formula they lose marks in a straight line down to 0 at the ceiling.")


@login_required
def group_edit(request, reference, pk=None):
    procedure = procedure_for_request(request, reference, "edit")
    card = _scorecard(procedure)
    group = get_object_or_404(selectors.scorecard_groups(card), pk=pk) if pk is not None else None

    def save(form):
        if group is None:
            return services.group_add(actor=request.user, scorecard=card, **form.cleaned_data)
        return services.group_update(actor=request.user, group=group, **form.cleaned_data)

    return _form_page(
        request, GroupForm, save, procedure=procedure, title=f"Edit {group.name}" if group else "Add a group",
        success=_scorecard_url(procedure, "criteria"), done="Group saved.",
        form_kwargs={"initial": {"name": group.name, "weight": group.weight} if group else {}})


@login_required
def criterion_edit(request, reference, pk=None):
    procedure = procedure_for_request(request, reference, "edit")
    card = _scorecard(procedure)
    criterion = get_object_or_404(selectors.scorecard_criteria(card), pk=pk) if pk is not None else None
    initial = {}
    if criterion:
        initial = {"name": criterion.name, "group": criterion.group_id, "share": criterion.share,
                   "description": criterion.description, "guidance": criterion.guidance,
                   "requirements": selectors.criterion_requirement_ids(criterion)}
    elif request.GET.get("group"):
        initial = {"group": request.GET["group"]}

    def save(form):
        data = dict(form.cleaned_data)
        if criterion is None:
            group = data.pop("group")
            return services.criterion_add(actor=request.user, group=group, **data)
        return services.criterion_update(actor=request.user, criterion=criterion, **data)

    intro = ("The scorecard is locked: changing what this criterion means resets its scores, and the evaluators "
             "are told." if card.is_locked else "")
    return _form_page(
        request, CriterionForm, save, procedure=procedure, intro=intro,
        title=f"Edit {criterion.name}" if criterion else "Add a criterion",
        success=_scorecard_url(procedure, "criteria"), done="Criterion saved.",
        form_kwargs={"initial": initial, "scorecard": card})


@login_required
def knockout_edit(request, reference, pk=None):
    procedure = procedure_for_request(request, reference, "edit")
    card = _scorecard(procedure)
    knockout = get_object_or_404(selectors.scorecard_knockouts(card), pk=pk) if pk is not None else None
    initial = {}
    if knockout:
        initial = {"name": knockout.name, "description": knockout.description, "kind": knockout.kind,
                   "standards": knockout.standards, "horizon_months": knockout.horizon_months}

    def save(form):
        if knockout is None:
            return services.knockout_add(actor=request.user, scorecard=card, **form.cleaned_data)
        return services.knockout_update(actor=request.user, knockout=knockout, **form.cleaned_data)

    return _form_page(
        request, KnockoutForm, save, procedure=procedure,
        title=f"Edit {knockout.name}" if knockout else "Add a knockout criterion",
        success=_scorecard_url(procedure, "knockouts"), done="Knockout saved.", form_kwargs={"initial": initial})


@login_required
def sheet_reopen(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    sheet = get_object_or_404(selectors.procedure_score_sheets(procedure), pk=pk)
    return _form_page(
        request, ReasonForm,
        lambda form: services.scoresheet_reopen(actor=request.user, sheet=sheet, reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"Reopen the scores of {sheet.evaluator}", submit="Reopen",
        intro="The evaluator can then change their scores and must submit again.",
        success=_scorecard_url(procedure, "sheets"), done=f"The score sheet of {sheet.evaluator} is open again.")


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
    return render(request, "awards/scorecard/grid.html", _grid_context(procedure, grid))


def _grid_context(procedure, grid, *, failed: dict | None = None) -> dict:
    return {"procedure": procedure, "grid": grid, "failed": failed,
            "scale_range": range((grid.scorecard.scale if grid.scorecard else 5) + 1)}


@login_required
@require_POST
def score_cell(request, reference):
    """Save one cell (htmx: answer with the cell's status line; without JS: back to the grid)."""
    procedure = procedure_for_request(request, reference)
    grid = _grid(request, procedure)
    bid = next((b for b in grid.bids if str(b.pk) == request.POST.get("bid")), None)
    criterion = next((c for c in selectors.procedure_criteria(procedure)
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
        # Without JavaScript: the grid again, the refusal beside the cell and what was typed still in it.
        failed = {"bid": bid.pk if bid else None, "criterion": criterion.pk if criterion else None,
                  "value": value, "rationale": rationale, "error": error}
        return render(request, "awards/scorecard/grid.html", _grid_context(procedure, grid, failed=failed),
                      status=400)
    messages.success(request, "Score saved." if saved else "Score cleared.")
    return redirect(reverse("awards:scoring", args=[procedure.reference]))


@login_required
@require_POST
def scoring_submit(request, reference):
    procedure = procedure_for_request(request, reference)
    _grid(request, procedure)
    return _form_page(
        request, forms.Form, lambda form: services.scoresheet_submit(actor=request.user, procedure=procedure),
        procedure=procedure, title="Submit your scores", submit="Submit",
        back=reverse("awards:scoring", args=[procedure.reference]),
        success=reverse("awards:scoring", args=[procedure.reference]),
        done="Scores submitted. You now see the other evaluators' submitted scores.")


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
        "can_edit": can_edit, **rationales_access(request.user, procedure),
        "price_weight": data.weights.get(data.price.criterion.key) if data.price and data.price.criterion else None,
        "price_rows": [(c, s) for c, s in data.price.rows() if c.lines] if data.price else [],
    })


@login_required
@require_GET
def results_rationales(request, reference, bid_id):
    """One bid's evaluators' scores with their reasons, a page at a time (issue 17, finding 5): what "Evaluators'
    reasons" on the results page opens. The results page itself reads no reason, so its cost does not grow
    with them. An htmx request gets the rows only; the same address opened normally is a whole page (without
    JavaScript, and for printing). Who may read them is awards.policies.reads_rationales, as everywhere: the
    lead or an auditor while scoring is open gets the sentence saying why not, anyone else 403."""
    procedure = _results_procedure(request, reference)
    bid = get_object_or_404(selectors.procedure_bid(procedure), pk=bid_id)
    access = rationales_access(request.user, procedure)
    if not access["reads_rationales"] and not access["rationales_refusal"]:
        raise PermissionDenied("Only the procurement lead and auditors read the evaluators' reasons here.")
    try:
        number = max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        number = 1
    page = bid_rationales_page(procedure, bid, page=number) if access["reads_rationales"] else None
    context = {"procedure": procedure, "bid": bid, "page": page, **access,
               "url": reverse("awards:results_rationales", args=[procedure.reference, bid.pk])}
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        response = render(request, "awards/scorecard/rationales.html#reasons", context)
    else:
        response = render(request, "awards/scorecard/rationales.html", context)
    patch_vary_headers(response, ("HX-Request",))  # the same address answers a fragment or the whole page
    return response


@login_required
def knockout_decide(request, reference, knockout_id, bid_id):
    procedure = procedure_for_request(request, reference, "edit")
    knockout = get_object_or_404(selectors.procedure_knockouts(procedure), pk=knockout_id)
    bid = get_object_or_404(selectors.procedure_bid(procedure), pk=bid_id)
    proposed, basis = results.propose_knockout(knockout, bid, procedure.target_award_date)
    label = {True: "Pass", False: "Fail", None: "No proposal"}[proposed]
    return _form_page(
        request, KnockoutDecisionForm,
        lambda form: services.knockout_decide(actor=request.user, knockout=knockout, bid=bid,
                                              passed=form.cleaned_data["decision"] == "pass",
                                              reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"{knockout.name}: {bid.vendor}", submit="Confirm",
        intro=f"Proposed from the evidence: {label}. {basis}", back=_results_url(procedure),
        success=_results_url(procedure, "knockouts"), done=f"{knockout.name}: decision for {bid.vendor} recorded.",
        form_kwargs={"initial": {} if proposed is None else {"decision": "pass" if proposed else "fail"}})


@login_required
def consensus(request, reference, bid_id, criterion_id):
    procedure = procedure_for_request(request, reference, "edit")
    bid = get_object_or_404(selectors.procedure_bid(procedure), pk=bid_id)
    criterion = get_object_or_404(selectors.procedure_criteria(procedure), pk=criterion_id)
    note = selectors.consensus_note(bid, criterion)
    # The disputed scores side by side with their reasons, above the note the lead writes (issue 17, finding 5).
    disputed = rationales_context(request.user, procedure, bids=[bid], criterion=criterion)
    return _form_page(
        request, ConsensusForm,
        lambda form: services.consensus_record(actor=request.user, bid=bid, criterion=criterion, **form.cleaned_data),
        procedure=procedure, title=f"Consensus: {bid.vendor}, {criterion.name}", submit="Record the consensus",
        intro=f"Scores run from 0 to {criterion.scorecard.scale}.", back=_results_url(procedure),
        success=_results_url(procedure, "flags"), done=f"Consensus on {criterion.name} for {bid.vendor} recorded.",
        form_kwargs={"initial": {"note": note.note, "score": note.score} if note else {}},
        extra={"disputed_shown": disputed["rationales"] is not None,
               "disputed": disputed["rationales"].cell(bid.pk, criterion.pk) if disputed["rationales"] else [],
               "disputed_refusal": disputed["rationales_refusal"]})


@login_required
def shortlist(request, reference, bid_id):
    procedure = procedure_for_request(request, reference, "edit")
    bid = get_object_or_404(selectors.procedure_bid(procedure), pk=bid_id)
    return _form_page(
        request, ShortlistForm,
        lambda form: services.bid_decide(actor=request.user, bid=bid, status=form.cleaned_data["decision"],
                                         reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"Shortlist or knock out {bid.vendor}", submit="Record the decision",
        back=_results_url(procedure), success=_results_url(procedure, "ranking"),
        done=f"Decision on {bid.vendor} recorded.")


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
        request.session.pop("score_import", None)
        try:  # a refusal (DomainError) is answered 409 by the kernel; rows that no longer validate go back
            count = spreadsheets.sheet_apply(procedure=procedure, actor=request.user, rows=stored["rows"])
        except ValidationError as exc:
            messages.error(request, "Nothing was saved: " + " ".join(exc.messages))
        else:
            messages.success(request, f"{count} score{'s' if count != 1 else ''} imported.")
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
                  status=400 if form.errors else 200)
