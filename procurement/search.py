"""Global search across vendors, award procedures, decision memos and contracts.

Each source starts from its app's policy (`visible(user)`), so a person finds only what they could open;
inactive people find nothing. One query per source, capped, merged and paginated.
"""

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

MAX_PER_SOURCE = 200
PAGE_SIZE = 20


@dataclass(frozen=True)
class Hit:
    kind: str
    reference: str
    title: str
    detail: str
    url: str


def _terms_q(fields: list[str], terms: list[str]) -> Q:
    """Every term must match at least one of the fields."""
    condition = Q()
    for term in terms:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": term})
        condition &= any_field
    return condition


def _vendors(user, terms):
    from vendors.policies import vendor_policy

    qs = (vendor_policy.visible(user).filter(_terms_q(["legal_name", "trading_name"], terms))
          .order_by("legal_name")[:MAX_PER_SOURCE])
    return [Hit("Vendor", "", str(v), v.legal_name if v.trading_name else "", v.get_absolute_url()) for v in qs]


def _procedures(user, terms):
    from awards.policies import procedure_policy

    qs = (procedure_policy.visible(user).filter(_terms_q(["reference", "title"], terms))
          .order_by("-reference")[:MAX_PER_SOURCE])
    return [Hit("Award procedure", p.reference, p.title, p.get_stage_display(), p.get_absolute_url()) for p in qs]


def _memos(user, terms):
    from awards.policies import memo_policy

    qs = (memo_policy.visible(user).filter(_terms_q(["title", "procedure__reference", "procedure__title"], terms))
          .select_related("procedure").order_by("-procedure__reference")[:MAX_PER_SOURCE])
    return [Hit("Decision memo", m.procedure.reference, m.title, m.get_status_display(), m.get_absolute_url())
            for m in qs]


def _contracts(user, terms):
    from contracts.policies import contract_policy

    qs = (contract_policy.visible(user).filter(_terms_q(["reference", "title", "vendor__legal_name"], terms))
          .order_by("-reference")[:MAX_PER_SOURCE])
    return [Hit("Contract", c.reference, c.title, c.get_status_display(), c.get_absolute_url()) for c in qs]


SOURCES = {"vendors": ("Vendors", _vendors), "procedures": ("Award procedures", _procedures),
           "memos": ("Decision memos", _memos), "contracts": ("Contracts", _contracts)}


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", min_length=2, max_length=100, strip=True,
                        help_text="A name, a reference such as AP-2026-0001, or words from a title.")
    type = forms.ChoiceField(label="In", required=False,
                             choices=[("", "Everything"), *[(k, label) for k, (label, _) in SOURCES.items()]])


def search(user, query: str, kind: str = "") -> list[Hit]:
    terms = [t for t in query.split() if t][:8]
    if not terms or not getattr(user, "is_active", False):
        return []
    hits: list[Hit] = []
    for key, (_, finder) in SOURCES.items():
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
