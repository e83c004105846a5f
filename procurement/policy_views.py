"""The policy tables' index and each table's versions (issue 21); each table's own page belongs to its app, built
with `policy_table_page` below (one shape for every table: the whole table in one form, a reason, one service).

Who: `may_read_policy` (policy administrators, procurement leads, auditors) reads; anyone else gets 404. Only
`may_change_policy` (a policy administrator) changes a table: a reader's POST gets 403.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from procurement import policy_tables
from procurement.policy_tables import may_change_policy, may_read_policy, policy_refusal


def require_policy_reader(request) -> bool:
    """404 for who may not read policy; 403 for a reader's POST. Returns whether the user may change tables."""
    if not may_read_policy(request.user):
        raise Http404("No such page.")
    can_change = may_change_policy(request.user)
    if request.method == "POST" and not can_change:
        raise PermissionDenied(policy_refusal(request.user))
    return can_change


@login_required
@require_GET
def index(request):
    can_change = require_policy_reader(request)
    rows = []
    for key, spec in policy_tables.tables().items():
        latest = policy_tables.current(key)
        rows.append({"key": key, "spec": spec, "version": latest, "url": reverse(spec.url_name)})
    return render(request, "procurement/policy/index.html", {"rows": rows, "can_change": can_change})


def _rows_of(snapshot) -> list[str]:
    """A snapshot as comparable lines: one per row of a list, one per entry of a mapping."""
    if isinstance(snapshot, list):
        return [json.dumps(row, sort_keys=True, ensure_ascii=False) for row in snapshot]
    if isinstance(snapshot, dict):
        return [json.dumps({k: v}, sort_keys=True, ensure_ascii=False) for k, v in sorted(snapshot.items())]
    return [json.dumps(snapshot, sort_keys=True, ensure_ascii=False)]


def _readable(snapshot) -> list[list[tuple[str, str]]]:
    """A snapshot as rows of (field, value) pairs for a plain table."""
    items = snapshot if isinstance(snapshot, list) else (
        [{"key": k, **(v if isinstance(v, dict) else {"value": v})} for k, v in sorted(snapshot.items())]
        if isinstance(snapshot, dict) else [{"value": snapshot}])
    out = []
    for row in items:
        if not isinstance(row, dict):
            row = {"value": row}
        out.append([(name, _cell(value)) for name, value in row.items()])
    return out


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_cell(v) if not isinstance(v, list | dict) else json.dumps(v, ensure_ascii=False)
                         for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def row_diff(before, after) -> dict[str, list[str]]:
    """What changed from one version to the next, row by row: rows removed and rows added (a changed row is both)."""
    old, new = _rows_of(before), _rows_of(after)
    return {"removed": [row for row in old if row not in new], "added": [row for row in new if row not in old]}


@login_required
@require_GET
def versions(request, table):
    can_change = require_policy_reader(request)
    try:
        spec = policy_tables.table(table)
    except LookupError:
        raise Http404("No such policy table.") from None
    rows = list(policy_tables.versions(table))
    shown = rows[0]
    asked = request.GET.get("v")
    if asked:
        try:
            shown = next(v for v in rows if v.number == int(asked))
        except (ValueError, StopIteration):
            raise Http404("No such version.") from None
    previous = next((v for v in rows if v.number == shown.number - 1), None)
    diff = row_diff(previous.snapshot, shown.snapshot) if previous is not None else None
    return render(request, "procurement/policy/versions.html", {
        "spec": spec, "key": table, "versions": rows, "shown": shown, "previous": previous, "diff": diff,
        "readable": _readable(shown.snapshot), "can_change": can_change, "page_url": reverse(spec.url_name)})


# --- one page per table (used by the apps' policy views) ------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason for the change", max_length=300,
                             help_text="Kept with the new version and in the history of every row it changes.",
                             widget=forms.TextInput(attrs={"size": 80}))


def disable(formset) -> None:
    """Make a formset read-only (a reader sees the table, cannot change it)."""
    for form in formset.forms:
        for field in form.fields.values():
            field.disabled = True


def apply_row_errors(formset, indices: list[int], exc: ValidationError) -> list[str]:
    """Put a service's row errors (`exc.rows`: {row index: {field: message}}) next to the fields of the forms the
    rows came from (`indices[row index]` = form index); returns the table's own sentences."""
    rows = getattr(exc, "rows", {})
    for row_index, problems in rows.items():
        form = formset.forms[indices[row_index]]
        for name, message in problems.items():
            form.add_error(name if name in form.fields else None, message)
    table = getattr(exc, "table", None)
    return list(exc.messages if table is None else table)


def policy_table_page(request, *, key: str, build: Callable, save: Callable, help_text: str = "",
                      template: str = "procurement/policy/table_page.html", extra: dict | None = None):
    """The page of one policy table. `build(data)` returns the formsets ([(title, formset, help)]) bound to `data`
    (None: the current table); `save(actor, formsets, reason)` calls the app's service and returns the new version
    (ValidationError: shown next to the rows and at the top, nothing saved)."""
    can_change = require_policy_reader(request)
    spec = policy_tables.table(key)
    latest = policy_tables.current(key)
    problems: list[str] = []
    if request.method == "POST":
        sections = build(request.POST)
        reason_form = ReasonForm(request.POST)
        valid = reason_form.is_valid()
        valid = all([formset.is_valid() for _, formset, _ in sections]) and valid
        if valid:
            try:
                created = save(request.user, [formset for _, formset, _ in sections],
                               reason_form.cleaned_data["reason"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
                    reason_form.add_error("reason", exc.error_dict["reason"])
                else:
                    problems = list(getattr(exc, "_page_messages", None) or exc.messages)
            else:
                messages.success(request, f"{spec.label}: version {created.number} recorded. It applies to what "
                                          "starts from now; what is in flight keeps its version.")
                return redirect(spec.url_name)
        status = 200
    else:
        sections = build(None)
        reason_form = ReasonForm()
        status = 200
    if not can_change:
        for _, formset, _ in sections:
            disable(formset)
    errors = bool(problems or reason_form.errors or any(
        formset.total_error_count() for _, formset, _ in sections))
    context = {"spec": spec, "key": key, "latest": latest, "sections": sections, "reason_form": reason_form,
               "can_change": can_change, "problems": problems, "has_errors": errors, "help_text": help_text,
               "versions_url": reverse("policy:versions", args=[key]), **(extra or {})}
    return render(request, template, context, status=status)


app_name = "policy"

urlpatterns = [
    path("", index, name="index"),
    path("<slug:table>/versions/", versions, name="versions"),
]
