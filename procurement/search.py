"""Global search across the sources the apps contribute (`Contributions.search`: vendors, award procedures,
decision memos, contracts). A source is `finder(user, terms)` -> list of `Hit`.

Each source starts from its app's policy (`visible(user)`), so a person finds only what they could open;
inactive people find nothing. One query per source, capped, merged and paginated.
"""

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from procurement.contributions import collect, resolve

MAX_PER_SOURCE = 200
PAGE_SIZE = 20


@dataclass(frozen=True)
class Hit:
    kind: str
    reference: str
    title: str
    detail: str
    url: str


def terms_q(fields: list[str], terms: list[str]) -> Q:
    """Every term must match at least one of the fields."""
    condition = Q()
    for term in terms:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": term})
        condition &= any_field
    return condition


def sources() -> dict[str, tuple[str, object]]:
    """key -> (label, finder) for every search source the apps contribute, in INSTALLED_APPS order."""
    return {source.key: (source.label, resolve(source.finder)) for source in collect().search}


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", min_length=2, max_length=100, strip=True,
                        help_text="A name, a reference such as AP-2026-0001, or words from a title.")
    type = forms.ChoiceField(label="In", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "Everything"), *[(s.key, s.label) for s in collect().search]]


def search(user, query: str, kind: str = "") -> list[Hit]:
    terms = [t for t in query.split() if t][:8]
    if not terms or not getattr(user, "is_active", False):
        return []
    hits: list[Hit] = []
    for key, (_, finder) in sources().items():
        if kind and key != kind:
            continue
        hits.extend(finder(user, terms))
    return hits


@login_required
def search_view(request):
    form = SearchForm(request.GET or None)
    page_obj, searched = None, False
    if form.is_valid():
        searched = True
        hits = search(request.user, form.cleaned_data["q"], form.cleaned_data["type"])
        page_obj = Paginator(hits, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "procurement/search.html",
                  {"form": form, "page_obj": page_obj, "searched": searched, "query": params.urlencode()})
