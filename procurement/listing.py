"""Lists that paginate, sort, filter and export the same way everywhere.

Two ways in:

- `paginate_sorted(request, queryset, ...)`: a view passes a queryset it has already scoped to the user (and
  already filtered from its filter form) plus the sort keys it allows; it gets back the context the
  `components/_table.html` component expects.
- `Listing`: a list declared once (issue 21): its columns (label, sort key, value getter), its filters (a Django
  form whose valid fields are passed to `rows`) and its rows (a callable (user, filters) -> queryset, built from
  the app policy's visible/actionable queryset, never a second hand-written scope). `Listing.respond` answers
  the page, the htmx partial (the table alone) and `?format=xlsx`: every filtered row in the chosen order, all
  pages, with formula-like text kept as text cells.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

DEFAULT_PAGE_SIZE = 25
MAX_EXPORT_ROWS = 20000  # a spreadsheet of a whole register stays one request; beyond this, filter first
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ordered(request, queryset, sort_fields: dict[str, str], default_sort: str) -> tuple[QuerySet, str]:
    requested = request.GET.get("sort", default_sort)
    key = requested.lstrip("-")
    if key not in sort_fields:
        requested, key = default_sort, default_sort.lstrip("-")
    descending = requested.startswith("-")
    ordering = sort_fields[key]
    return queryset.order_by(f"-{ordering}" if descending else ordering, "pk"), requested


def _query_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def paginate_sorted(request, queryset, *, sort_fields: dict[str, str], default_sort: str,
                    page_size: int = DEFAULT_PAGE_SIZE) -> dict:
    """`sort_fields` maps a public key (?sort=name, ?sort=-name) to an ORM ordering expression.

    Unknown sort keys and page numbers fall back to the defaults instead of erroring.
    """
    queryset, requested = _ordered(request, queryset, sort_fields, default_sort)
    paginator = Paginator(queryset, page_size)
    page_obj = paginator.get_page(request.GET.get("page"))
    return {"page_obj": page_obj, "sort": requested, "query": _query_without(request, "page", "sort", "format")}


@dataclass(frozen=True)
class Column:
    """One column: `value(row)` is the cell (text, number, date) shown in the page and written to the export;
    `sort` the ORM ordering expression (None: not sortable); `link(row)` an optional URL for the page cell."""

    key: str
    label: str
    value: Callable[[Any], Any]
    sort: str | None = None
    link: Callable[[Any], str] | None = None
    export: bool = True


@dataclass(frozen=True)
class Cell:
    text: Any
    url: str = ""


def export_value(value: Any) -> Any:
    """A value a spreadsheet cell holds: None is empty, aware datetimes become local wall-clock time."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, (str, int, float, bool)) or hasattr(value, "isoformat") or hasattr(value, "as_tuple"):
        return value
    return str(value)


@dataclass(frozen=True)
class Listing:
    """A list declared once. `rows(user, filters)` returns the user's queryset (already scoped by the app's
    policy) narrowed by the valid filter values; `prepare(rows)` may decorate a page of rows (or the export's
    rows) in a bounded number of queries."""

    name: str  # the export's file name stem and sheet name
    columns: tuple[Column, ...]
    rows: Callable[[Any, dict], QuerySet]
    default_sort: str
    filter_form: type | None = None
    page_size: int = DEFAULT_PAGE_SIZE
    prepare: Callable[[list], None] | None = None
    row_template: str = "procurement/lists/_row.html"
    extra: dict = field(default_factory=dict)

    # --- declared answers ------------------------------------------------------------------------------------
    @property
    def sort_fields(self) -> dict[str, str]:
        return {column.key: column.sort for column in self.columns if column.sort}

    @property
    def table_columns(self) -> list[tuple[str, str, bool]]:
        return [(column.key, column.label, bool(column.sort)) for column in self.columns]

    def filters(self, request):
        if self.filter_form is None:
            return None, {}
        form = self.filter_form(request.GET or None)
        if not form.is_bound:
            return form, {}
        form.is_valid()  # the valid fields filter; an invalid one is shown with its message and ignored
        return form, {name: value for name, value in form.cleaned_data.items() if value not in (None, "", [])}

    def queryset(self, request) -> tuple[Any, QuerySet, str]:
        form, params = self.filters(request)
        queryset, sort = _ordered(request, self.rows(request.user, params), self.sort_fields, self.default_sort)
        return form, queryset, sort

    def cells(self, row) -> list[Cell]:
        return [Cell(column.value(row), column.link(row) if column.link else "") for column in self.columns]

    # --- answers ---------------------------------------------------------------------------------------------
    def export(self, queryset: QuerySet) -> HttpResponse:
        from procurement.spreadsheets import as_is, workbook_bytes

        rows = list(queryset[:MAX_EXPORT_ROWS])
        if self.prepare is not None:
            self.prepare(rows)
        columns = [column for column in self.columns if column.export]
        table = [[column.label for column in columns]]
        table += [[export_value(column.value(row)) for column in columns] for row in rows]
        content = workbook_bytes({self.name[:31]: table}, cell=as_is, header_row=True, text_cells=True)
        response = HttpResponse(content, content_type=XLSX_TYPE)
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="{self.name}-{stamp}.xlsx"'
        return response

    def context(self, request) -> dict:
        form, queryset, sort = self.queryset(request)
        page_obj = Paginator(queryset, self.page_size).get_page(request.GET.get("page"))
        rows = list(page_obj.object_list)
        if self.prepare is not None:
            self.prepare(rows)
        for row in rows:
            row.cells = self.cells(row)
        page_obj.object_list = rows
        query = _query_without(request, "page", "sort", "format")
        export_query = _query_without(request, "page", "format")
        return {"page_obj": page_obj, "sort": sort, "query": query, "filters": form, "columns": self.table_columns,
                "row_template": self.row_template, "listing": self,
                "export_href": "?" + (export_query + "&" if export_query else "") + "format=xlsx"}

    def respond(self, request, template: str, context: dict | None = None) -> HttpResponse:
        if request.GET.get("format") == "xlsx":
            _form, queryset, _sort = self.queryset(request)
            return self.export(queryset)
        data = {**self.context(request), **(context or {})}
        if getattr(request, "htmx", False) and not getattr(request.htmx, "boosted", False):
            return render(request, "components/_table.html", data)
        return render(request, template, data)


def value_of(*path: str, default: Any = "") -> Callable[[Any], Any]:
    """A getter following attributes (`value_of("vendor", "legal_name")`); a missing link gives `default`."""

    def get(row):
        value = row
        for name in path:
            value = getattr(value, name, None)
            if value is None:
                return default
        return value() if inspect.ismethod(value) else value

    return get


def display(name: str) -> Callable[[Any], str]:
    """The label of a choices field (`display("status")` -> row.get_status_display())."""
    return lambda row: getattr(row, f"get_{name}_display")()


def choices_with_any(label: str, choices: Iterable) -> list:
    return [("", label), *choices]
