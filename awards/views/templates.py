"""Templates and cloning (issue 21): scorecard and procedure set-up templates, starting a procedure from one or
from an earlier procedure. Views fetch-and-authorize, call one service and answer; the rules are in
awards.services.templates (who may) and awards.templates_defs (what a definition must hold)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from awards import selectors
from awards import templates_defs as defs
from awards.forms.templates import RetireForm, StartForm, StartSearchForm, TemplateSaveForm
from awards.models import AwardProcedure, ProcedureTemplate
from awards.models.procedure import Requirement
from awards.models.scorecard import Knockout, Scorecard, ScorecardTemplate
from awards.policies import procedure_policy
from awards.services import templates as services
from procurement.authz import UNSEEN, get_for_user_or_404, require
from procurement.posting import handle_form
from vendors.models import Attestation, OfferingType

KINDS = {
    "scorecard": (ScorecardTemplate, services.scorecard_template_policy, "Scorecard template"),
    "setup": (ProcedureTemplate, services.procedure_template_policy, "Procedure set-up template"),
}
PAGE_SIZE = 20


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404(UNSEEN)
    return KINDS[kind]


def _with_last_saved(model):
    """The templates of `model` with who saved the latest version and when (two sub-selects, one query)."""
    latest = model.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date", "-history_id")
    return model.objects.select_related("created_by").annotate(
        saved_at=Subquery(latest.values("history_date")[:1]),
        saved_by=Subquery(latest.values("history_user__username")[:1]))


def _reader(request):
    if not services.reads_templates(request.user):
        raise Http404(UNSEEN)


# --- the templates page -------------------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request):
    _reader(request)
    show = request.GET.get("show", "all")
    context = {"show": show, "can_save": services.scorecard_template_policy.can(request.user, "save")}
    for kind, param in (("scorecard", "sc_page"), ("setup", "st_page")):
        model, _, label = KINDS[kind]
        qs = _with_last_saved(model).order_by("-active", "name", "pk")
        if show == "active":
            qs = qs.filter(active=True)
        context[f"{kind}_page"] = Paginator(qs, PAGE_SIZE).get_page(request.GET.get(param))
    return render(request, "awards/templates/list.html", context)


def _scorecard_view(definition: dict | None) -> dict | None:
    """A scorecard definition ready for the page: groups with their criteria's effective weights (when the
    weights are valid), knockouts with readable kinds and standards."""
    if not definition:
        return None
    problems = defs.scorecard_problems(definition, requirement_codes=_codes_in(definition), complete=True)
    effective = defs.effective_weights(definition) if not problems else {}
    kinds, standards = dict(Knockout.Kind.choices), dict(Attestation.Standard.choices)
    return {
        "scale": definition.get("scale", 5),
        "problems": problems,
        "groups": [{**g, "criteria": [{**c, "effective": effective.get(c.get("key"))}
                                      for c in g.get("criteria", [])]}
                   for g in definition.get("groups", [])],
        "knockouts": [{**k, "kind_label": kinds.get(k.get("kind"), k.get("kind")),
                       "standards_label": " or ".join(standards.get(s, s) for s in k.get("standards", []))}
                      for k in definition.get("knockouts", [])],
        "price_formula": definition.get("price_formula", ""),
    }


def _codes_in(definition: dict) -> set[str] | None:
    codes = {code for g in definition.get("groups", []) for c in g.get("criteria", []) for code in
             c.get("covers", []) or []}
    return codes or None


def _setup_view(definition: dict) -> dict:
    details = definition.get("procedure", {})
    priorities = dict(Requirement.Priority.choices)
    return {
        "category": dict(OfferingType.choices).get(details.get("category"), details.get("category")),
        "details": details,
        "timeline": [(defs.OFFSET_LABELS[f], definition.get("timeline", {})[f]) for f in defs.OFFSET_FIELDS
                     if f in definition.get("timeline", {})],
        "requirements": [{**r, "code": f"R{n}", "priority_label": priorities.get(r.get("priority"))}
                         for n, r in enumerate(definition.get("requirements", []), start=1)],
    }


@login_required
@require_GET
def template_detail(request, kind, slug):
    model, policy, label = _kind(kind)
    template = get_for_user_or_404(request.user, policy, queryset=model.objects.select_related("created_by"),
                                   slug=slug)
    versions = list(template.history.select_related("history_user").order_by("-history_date", "-history_id"))
    shown, definition = template.version, template.definition
    asked = request.GET.get("version", "")
    if asked.isdigit() and int(asked) != template.version:
        older = next((v for v in versions if v.version == int(asked)), None)
        if older is None:
            raise Http404(UNSEEN)
        shown, definition = older.version, older.definition
    source = None
    if kind == "setup" and template.source_reference:
        source = procedure_policy.visible(request.user).filter(reference=template.source_reference).first()
    context = {
        "template": template, "kind": kind, "label": label, "versions": versions, "shown": shown,
        "definition": definition, "source": source,
        "scorecard": _scorecard_view(definition.get("scorecard") if kind == "setup" else definition),
        "setup": _setup_view(definition) if kind == "setup" else None,
        "can_retire": policy.can(request.user, "retire", template),
        "can_start": procedure_policy.can(request.user, "create") and template.active,
    }
    return render(request, "awards/templates/detail.html", context)


@login_required
def template_retire(request, kind, slug):
    model, policy, label = _kind(kind)
    template = get_for_user_or_404(request.user, policy, action="retire", slug=slug)
    retire = services.scorecard_template_retire if kind == "scorecard" else services.procedure_template_retire
    url = reverse("awards:template_detail", args=[kind, slug])
    return handle_form(
        request, RetireForm, lambda form: retire(actor=request.user, template=template, **form.cleaned_data),
        template="awards/templates/retire.html",
        context={"template": template, "label": label, "back": url, "kind": kind},
        success=url, done=f"“{template.name}” is retired; it stays on record.")


# --- save as a template (from the procedure's pages) -------------------------------------------------------------


@login_required
def template_save(request, reference, kind):
    model, policy, label = _kind(kind)
    procedure = get_for_user_or_404(request.user, procedure_policy, queryset=selectors.procedures(),
                                    reference=reference)
    require(request.user, policy, "save")
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    if kind == "scorecard" and scorecard is None:
        raise Http404("This procedure has no scorecard yet.")

    def call(form):
        data = form.cleaned_data
        common = {"actor": request.user, "name": data["name"], "description": data["description"],
                  "template": data["template"], "reason": data["reason"]}
        if kind == "scorecard":
            return services.scorecard_template_save(scorecard=scorecard, **common)
        return services.procedure_template_save(procedure=procedure, **common)

    what = "scorecard" if kind == "scorecard" else "set-up"
    return handle_form(
        request, TemplateSaveForm, call, template="awards/templates/save.html",
        context={"procedure": procedure, "label": label, "what": what,
                 "title": f"Save the {what} of {procedure.reference} as a template"},
        form_kwargs={"model": model, "initial": {"name": procedure.title}},
        success=lambda t: reverse("awards:template_detail", args=[kind, t.slug]),
        done=lambda t: f"Saved as “{t.name}” v{t.version}.")


# --- start a procedure ----------------------------------------------------------------------------------------


def _may_start(request) -> None:
    if not procedure_policy.can(request.user, "create"):
        raise Http404(UNSEEN)  # as the page for a new procedure: a person who cannot start one is not shown it


@login_required
@require_GET
def procedure_start(request):
    _may_start(request)
    search = StartSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    copies = Paginator(selectors.procedure_list(request.user, q=q).order_by("-created_at", "pk"), 10)
    context = {"search": search, "q": q, "copies": copies.get_page(request.GET.get("page")),
               "setups": _with_last_saved(ProcedureTemplate).filter(active=True).order_by("name", "pk"),
               "scorecards": _with_last_saved(ScorecardTemplate).filter(active=True).order_by("name", "pk")}
    if getattr(request, "htmx", False):
        return render(request, "awards/templates/start.html#copy-list", context)
    return render(request, "awards/templates/start.html", context)


def _source(request, kind: str, key: str):
    """The source of a new procedure, fetched for this person: 404 when unseen, 403 when seen but not theirs
    to start from, 409 when the template is retired."""
    if kind == "copy":
        return get_for_user_or_404(request.user, procedure_policy, queryset=selectors.procedures(), reference=key)
    model, policy, _ = _kind(kind)
    return get_for_user_or_404(request.user, policy, action="start", slug=key)


def _initial(source) -> dict:
    if isinstance(source, AwardProcedure):
        return {"currency": source.currency, "business_owner": source.business_owner_id,
                "estimated_value": source.estimated_value, "title": source.title}
    if isinstance(source, ProcedureTemplate):
        return {"currency": source.definition.get("procedure", {}).get("currency", "")}
    return {"currency": "EUR"}


@login_required
def procedure_start_from(request, kind, key):
    source = _source(request, kind, key)
    require(request.user, procedure_policy, "create")  # seen but not theirs to start: 403
    asks = isinstance(source, ScorecardTemplate)
    return handle_form(
        request, StartForm,
        lambda form: services.procedure_start(actor=request.user, source=source, **form.service_kwargs()),
        template="awards/templates/start_form.html",
        context={"source": source, "source_label": services.source_label(source), "kind": kind},
        form_kwargs={"asks_details": asks, "initial": _initial(source)},
        success=lambda procedure: procedure,
        done=lambda procedure: f"Procedure {procedure.reference} started ({procedure.set_up_from}).")


urls = [
    path("templates/", template_list, name="template_list"),
    path("templates/<str:kind>/<slug:slug>/", template_detail, name="template_detail"),
    path("templates/<str:kind>/<slug:slug>/retire/", template_retire, name="template_retire"),
    path("templates/save/<str:reference>/<str:kind>/", template_save, name="template_save"),
    path("start/", procedure_start, name="procedure_start"),
    path("start/<str:kind>/<str:key>/", procedure_start_from, name="procedure_start_from"),
]
