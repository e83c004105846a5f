"""Audit-trail pages: one object's history, and the auditor's global log with a CSV export."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render

from procurement import authz
from procurement.accounts.roles import Role, has_role
from procurement.audit.forms import LogFilterForm
from procurement.audit.log import CSV_LIMIT, Cursor, LogPage, log_page, log_rows
from procurement.audit.registry import auditable, notice, parts_for, policy_for
from procurement.audit.timeline import merged_timeline, object_timeline
from procurement.spreadsheets import neutralise

PAGE_SIZE = 50


@login_required
def object_history(request, label: str, pk: int):
    """One object's history; for a procedure, a memo or a contract, merged with its related records' history
    (only those the reader may see). 404 to anyone who cannot see the object."""
    policy = policy_for(label)
    obj = authz.get_for_user_or_404(request.user, policy, pk=pk)
    parts = parts_for(label)
    entries = merged_timeline(obj, request.user, parts) if parts else object_timeline(obj)
    page_obj = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/object_history.html", {
        "object": obj, "entries": page_obj.object_list, "page_obj": page_obj, "label": label,
        "type_name": obj._meta.verbose_name, "merged": bool(parts),
        "timeline_notice": notice(request.user, obj),
    })


def _require_auditor(user) -> None:
    if not (user.is_superuser or has_role(user, Role.AUDITOR)):
        raise PermissionDenied("Only auditors read the global audit log.")


def _filters(request) -> tuple[LogFilterForm, dict | None]:
    """The filter form and the log's filters; None when the form is bound and invalid (no row matches)."""
    form = LogFilterForm(request.GET or None)
    if not form.is_bound:
        return form, {}
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, {"user_id": data["user"].pk if data.get("user") else None, "model_label": data["object_type"],
                  "object_id": data["object_id"].strip(), "date_from": data["date_from"],
                  "date_to": data["date_to"]}


# The log's own query parameters besides the filters: a page's position.
CURSORS = ("older", "newer")


@login_required
def global_log(request):
    """The newest changes first, PAGE_SIZE a page, keyset-paginated: "Older" carries the last row's cursor,
    "Newer" the first row's. The rows are one query on the audit log index (procurement.audit.log)."""
    _require_auditor(request.user)
    form, filters = _filters(request)
    older, newer = (Cursor.parse(request.GET.get(name)) for name in CURSORS)
    page = (log_page(size=PAGE_SIZE, older_than=older, newer_than=None if older else newer, **filters)
            if filters is not None else LogPage(rows=[], newer=None, older=None))
    params = request.GET.copy()
    for name in (*CURSORS, "page"):
        params.pop(name, None)
    return render(request, "audit/log.html", {
        "form": form, "rows": page.rows, "newer": page.newer, "older": page.older,
        "query": params.urlencode(), "auditable": auditable(),
    })


class _Echo:
    def write(self, value):
        return value


@login_required
def global_log_csv(request):
    _require_auditor(request.user)
    form, filters = _filters(request)
    rows = log_rows(**filters, limit=CSV_LIMIT) if filters is not None else iter(())
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(["when", "who", "action", "kind", "record id", "record", "reason"])
        for row in rows:
            yield writer.writerow([row.when.isoformat(), neutralise(row.who), row.action, row.object_type,
                                   row.object_id, neutralise(row.name), neutralise(row.reason)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="baton-audit-log.csv"'
    return response
