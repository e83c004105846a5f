import pytest
from django.test import RequestFactory

from procurement.listing import paginate_sorted
from procurement.markdown import render_markdown
from procurement.models import ReferenceSequence


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="http://127.0.0.1:9/x">', "<img"),
        ("![x](http://127.0.0.1:9/x.png)", "<img"),
        ("[file](file:///etc/passwd)", "file:"),
        ("[js](javascript:alert(1))", "javascript:"),
        ('<a href="#" onclick="x()">a</a>', "onclick"),
        ('<p style="background:url(http://127.0.0.1:9/)">x</p>', "style"),
    ],
)
def test_markdown_strips_active_and_remote_content(source, forbidden):
    assert forbidden not in str(render_markdown(source))


def test_markdown_keeps_structure_and_safe_links():
    html = str(render_markdown("**Keep** this\n\n- one\n- two\n\n[site](https://example.org)"))

    assert "<strong>Keep</strong>" in html and "<li>one</li>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html


@pytest.mark.django_db
def test_listing_sorts_paginates_and_ignores_unknown_keys():
    for year in range(2000, 2030):
        ReferenceSequence.objects.create(prefix="AP", year=year)
    fields = {"year": "year"}

    ctx = paginate_sorted(RequestFactory().get("/?sort=-year&page=2&q=x"), ReferenceSequence.objects.all(),
                          sort_fields=fields, default_sort="year", page_size=10)
    assert [s.year for s in ctx["page_obj"]] == list(range(2019, 2009, -1))
    assert ctx["sort"] == "-year" and ctx["query"] == "q=x"

    fallback = paginate_sorted(RequestFactory().get("/?sort=password&page=999"), ReferenceSequence.objects.all(),
                               sort_fields=fields, default_sort="year", page_size=10)
    assert fallback["sort"] == "year" and fallback["page_obj"].number == 3
