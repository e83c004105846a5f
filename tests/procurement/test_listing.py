"""The kernel's declarative Listing and the spreadsheet option it exports with (issue 21)."""

import dataclasses
import io

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from openpyxl import load_workbook

from procurement.listing import Column, Listing
from procurement.models import ReferenceSequence
from procurement.spreadsheets import as_is, workbook_bytes

pytestmark = pytest.mark.django_db


def read(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_by_default_formula_like_text_keeps_the_existing_apostrophe_prefix():
    sheet = read(workbook_bytes({"S": [["=1+1", "plain", 3]]}))

    assert sheet["A1"].value == "'=1+1" and sheet["B1"].value == "plain" and sheet["C1"].value == 3


def test_text_cells_keep_the_value_unchanged_as_a_quote_prefixed_text_cell():
    sheet = read(workbook_bytes({"S": [["=1+1", "+44 20", "@SUM(A1)", "-3", "plain", 7]]}, cell=as_is,
                                text_cells=True))

    for ref, value in (("A1", "=1+1"), ("B1", "+44 20"), ("C1", "@SUM(A1)"), ("D1", "-3")):
        assert sheet[ref].value == value and sheet[ref].data_type == "s" and sheet[ref].quotePrefix is True
    assert sheet["E1"].quotePrefix is False and sheet["F1"].value == 7 and sheet["F1"].data_type == "n"


def _sequences(user, params):
    qs = ReferenceSequence.objects.all()
    return qs.filter(prefix__icontains=params["q"]) if params.get("q") else qs


class Filters(forms.Form):  # the smallest filter form: a Django form is what a Listing takes
    q = forms.CharField(required=False)


SEQUENCES = Listing(
    name="sequences", rows=_sequences, default_sort="prefix", filter_form=Filters, page_size=2,
    columns=(Column("prefix", "Prefix", lambda r: r.prefix, sort="prefix"),
             Column("year", "Year", lambda r: r.year, sort="year"),
             Column("last", "Last number", lambda r: r.last_number)),
)


def _request(query: str):
    request = RequestFactory().get("/?" + query)
    request.user = AnonymousUser()
    return request


@pytest.fixture
def sequences():
    return [ReferenceSequence.objects.create(prefix=prefix, year=year)
            for prefix, year in (("AP", 2024), ("AP", 2025), ("CT", 2025), ("=X", 2026), ("AP", 2026))]


def test_a_listing_pages_sorts_filters_and_exports_every_filtered_row(sequences):
    listing = dataclasses.replace(SEQUENCES, columns=SEQUENCES.columns[:2])

    context = listing.context(_request("q=AP&sort=-year&page=2"))
    export = read(listing.respond(_request("q=AP&sort=-year&page=2&format=xlsx"), "unused.html").content)

    assert [(r.prefix, r.year) for r in context["page_obj"]] == [("AP", 2024)]
    assert context["query"] == "q=AP" and context["sort"] == "-year"
    assert context["export_href"] == "?q=AP&sort=-year&format=xlsx"
    assert [row.cells[0].text for row in context["page_obj"]] == ["AP"]
    rows = list(export.iter_rows(values_only=True))
    assert rows == [("Prefix", "Year"), ("AP", 2026), ("AP", 2025), ("AP", 2024)]


def test_an_unknown_sort_falls_back_and_formula_like_text_is_exported_as_text(sequences):
    listing = dataclasses.replace(SEQUENCES, columns=SEQUENCES.columns[:2])

    context = listing.context(_request("sort=password"))
    export = read(listing.respond(_request("format=xlsx"), "unused.html").content)

    assert context["sort"] == "prefix"
    cell = export["A2"]
    assert cell.value == "=X" and cell.data_type == "s" and cell.quotePrefix is True
