"""The contracts policy pages (issue 21): the clause playbook, KPI templates, check-in templates and reminder lead
times, each edited as a whole in one form with a reason.

Who: a policy administrator changes a table; procurement leads and auditors read it (the page without its form;
a POST from them is 403); everyone else gets 404. A posted table is checked whole: any problem comes back next to
its field (and in the summary at the top) with status 400, and nothing is saved. A saved change is a new policy
version, listed under the table with who, when and why.
"""

from __future__ import annotations

from contextlib import suppress

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from contracts.models import PlaybookClause
from contracts.models.reviews import ReviewTeam
from contracts.policy import forms, services
from contracts.policy.tables import CHECKIN_TEMPLATES, KPI_TEMPLATES, PLAYBOOK, REMINDER_LEAD_TIMES
from procurement import policy_tables
from procurement.exceptions import DomainError
from procurement.posting import refusal

TEMPLATE = "contracts/policy/table.html"
HISTORY_ROWS = 20


def _gate(request) -> bool:
    """404 for who may not read policy, 403 for a reader who posts; True when the user may change it."""
    user = request.user
    if not policy_tables.may_read_policy(user):
        raise Http404("No such page.")
    if request.method == "POST":
        policy_tables.require_policy_change(user)
    return policy_tables.may_change_policy(user)


def _context(key: str, can_change: bool, **more) -> dict:
    spec = policy_tables.table(key)
    current = policy_tables.current(key)
    return {"table": spec, "current": current, "can_change": can_change,
            "versions": list(policy_tables.versions(key)[:HISTORY_ROWS]),
            "refusal": "" if can_change else "You can read this table; only a policy administrator changes it.",
            **more}


def _answer(request, context: dict, status: int = 200):
    template = f"{TEMPLATE}#editor" if getattr(request, "htmx", False) else TEMPLATE
    return render(request, template, context, status=status)


def _put_errors(exc: ValidationError, *, rows: list, single=None, reason_form=None) -> list[str]:
    """A service's errors next to their fields: "row-<n>-<field>" on the n-th saved row's form, "reason" on the
    reason, other names on `single`; what names no field comes back for the summary at the top."""
    general: list[str] = []
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    for name, messages_ in items:
        target, field = None, name
        if name.startswith("row-"):
            _, index, field = name.split("-", 2)
            target = rows[int(index)] if int(index) < len(rows) else None
        elif name == "reason":
            target = reason_form
        elif single is not None and name in single.fields:
            target = single
        if target is not None and field in target.fields:
            for message in messages_:
                target.add_error(field, message)
        else:
            general.extend(messages_)
    return general


def _formset_page(request, *, key: str, formset_class, initial: list[dict], form_kwargs: dict, to_row, save,
                  intro: str, columns: list[str]):
    can_change = _gate(request)
    prefix = "rows"
    posted = request.method == "POST"
    data = None
    if posted:
        data = request.POST.copy()
        if "add_rows" in data:
            with suppress(ValueError):
                data[f"{prefix}-TOTAL_FORMS"] = str(min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)) + 2, 200))
    formset = formset_class(data, initial=initial, prefix=prefix, form_kwargs=form_kwargs)
    reason_form = forms.ReasonForm(data if posted and "add_rows" not in data else None)
    context = _context(key, can_change, intro=intro, formset=formset, reason_form=reason_form, columns=columns,
                       general=[], show_errors=posted and "add_rows" not in data)
    if not posted or "add_rows" in data:
        return _answer(request, context)
    shown = len(initial)
    for form in formset.forms[:shown]:  # a row of the table as it stands is always checked, changed or not
        form.empty_permitted = False
    if formset.is_valid() and reason_form.is_valid():
        # every row in page order; a blank extra row is skipped, a row ticked "remove" leaves the table
        kept = [form for index, form in enumerate(formset.forms)
                if (index < shown or form.cleaned_data)
                and not (formset.can_delete and form.cleaned_data.get("DELETE"))]
        try:
            with transaction.atomic():
                version = save([to_row(form.cleaned_data) for form in kept], reason_form.cleaned_data["reason"])
        except ValidationError as exc:
            context["general"] = _put_errors(exc, rows=kept, reason_form=reason_form)
        except DomainError as exc:
            return refusal(request, exc)
        else:
            messages.success(request, f"{context['table'].label}: version {version.number} saved. It applies to "
                                      "contracts opened from now on.")
            return redirect(request.path)
    return _answer(request, context, status=400)


# --- the clause playbook ------------------------------------------------------------------------------------


def _playbook_initial() -> list[dict]:
    return [{"id": c.pk, "key": c.key, "title": c.title, "purpose": c.purpose,
             "required_tiers": list(c.required_tiers or []), "target": c.target, "fallback": c.fallback,
             "walk_away": c.walk_away, "order": c.order, "retired": not c.active}
            for c in PlaybookClause.objects.order_by("order", "key")]


@login_required
@require_http_methods(["GET", "POST"])
def clause_playbook(request):
    def to_row(data):
        return {**{name: data.get(name) for name in ("id", "key", "title", "purpose", "required_tiers", "target",
                                                    "fallback", "walk_away", "order")},
                "active": not data.get("retired")}

    return _formset_page(
        request, key=PLAYBOOK, formset_class=forms.PlaybookFormSet, initial=_playbook_initial(), form_kwargs={},
        to_row=to_row,
        save=lambda rows, reason: services.clause_playbook_update(actor=request.user, rows=rows, reason=reason),
        columns=["Key", "Title", "Purpose", "Tiers that must carry it", "Default target", "Default fallback",
                 "Default walk-away", "Order", "Retired"],
        intro="The AI clauses a contract is opened with: the tiers that must carry each and our default target, "
              "fallback and walk-away. A contract copies its clauses when it is opened, so a change here applies "
              "to contracts opened after it. Retire a clause rather than delete it; the blank row adds a clause.")


# --- KPI templates ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def kpi_templates(request):
    snapshot = policy_tables.current(KPI_TEMPLATES).snapshot
    initial = [{"clause": clause, **seed} for clause, seeds in snapshot.items() for seed in seeds]
    clauses = list(PlaybookClause.objects.order_by("order", "key").values_list("key", "title"))

    def to_row(data):
        return {"clause": data["clause"], "name": data["name"], "unit": data.get("unit") or "",
                "direction": data["direction"], "threshold": data["threshold"], "frequency": data["frequency"]}

    return _formset_page(
        request, key=KPI_TEMPLATES, formset_class=forms.KpiTemplateFormSet, initial=initial,
        form_kwargs={"clauses": clauses}, to_row=to_row,
        save=lambda rows, reason: services.kpi_templates_update(actor=request.user, rows=rows, reason=reason),
        columns=["Clause", "KPI", "Unit", "Direction", "Starting threshold", "Frequency", "Remove"],
        intro="The KPIs a settled clause turns into when the post-award manager seeds KPIs from the handoff pack. "
              "Each contract seeds from the version in force when it was opened.")


# --- check-in templates -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def checkin_templates(request):
    snapshot = policy_tables.current(CHECKIN_TEMPLATES).snapshot
    initial = [{"team": team, **question} for team in ReviewTeam.values
               for question in (snapshot.get(team) or {}).get("questions", [])]

    def to_row(data):
        return {name: data.get(name) for name in ("team", "key", "topic", "text")}

    return _formset_page(
        request, key=CHECKIN_TEMPLATES, formset_class=forms.CheckinFormSet, initial=initial, form_kwargs={},
        to_row=to_row,
        save=lambda rows, reason: services.checkin_templates_update(actor=request.user, rows=rows, reason=reason),
        columns=["Team", "Key", "Topic", "Question", "Remove"],
        intro="The questions each team answers at a periodic check-in. Answers are stored against a question's key; "
              "each contract asks the version in force when it was opened.")


# --- reminder lead times ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reminder_lead_times(request):
    can_change = _gate(request)
    snapshot = policy_tables.current(REMINDER_LEAD_TIMES).snapshot
    posted = request.method == "POST"
    form = forms.LeadTimesForm(request.POST if posted else None, initial=snapshot)
    reason_form = forms.ReasonForm(request.POST if posted else None)
    context = _context(REMINDER_LEAD_TIMES, can_change, form=form, reason_form=reason_form, general=[],
                       show_errors=posted,
                       intro="How many days ahead the post-award manager, the negotiation lead and the business "
                             "owner are reminded of a contract's notice deadline and end date. Each contract "
                             "follows the version in force when it was opened.")
    if not posted:
        return _answer(request, context)
    if form.is_valid() and reason_form.is_valid():
        try:
            with transaction.atomic():
                version = services.reminder_lead_times_update(
                    actor=request.user, notice=form.cleaned_data["notice"], renewal=form.cleaned_data["renewal"],
                    reason=reason_form.cleaned_data["reason"])
        except ValidationError as exc:
            context["general"] = _put_errors(exc, rows=[], single=form, reason_form=reason_form)
        else:
            messages.success(request, f"Reminder lead times: version {version.number} saved. It applies to "
                                      "contracts opened from now on.")
            return redirect(reverse("contracts_policy:reminder_lead_times"))
    return _answer(request, context, status=400)


__all__ = ["checkin_templates", "clause_playbook", "kpi_templates", "reminder_lead_times"]
