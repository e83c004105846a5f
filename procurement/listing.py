"""Lists that paginate, sort and filter the same way everywhere.

A view passes a queryset it has already scoped to the user (and already filtered from its filter form) plus
the sort keys it allows; it gets back the context the `components/_table.html` component expects.
"""

from django.core.paginator import Paginator

DEFAULT_PAGE_SIZE = 25


def paginate_sorted(request, queryset, *, sort_fields: dict[str, str], default_sort: str,
                    page_size: int = DEFAULT_PAGE_SIZE) -> dict:
    """`sort_fields` maps a public key (?sort=name, ?sort=-name) to an ORM ordering expression.

    Unknown sort keys and page numbers fall back to the defaults instead of erroring.
    """
    requested = request.GET.get("sort", default_sort)
    key = requested.lstrip("-")
    if key not in sort_fields:
        requested, key = default_sort, default_sort.lstrip("-")
    descending = requested.startswith("-")
    ordering = sort_fields[key]
    queryset = queryset.order_by(f"-{ordering}" if descending else ordering, "pk")
    paginator = Paginator(queryset, page_size)
    page_obj = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("sort", None)
    return {"page_obj": page_obj, "sort": requested, "query": params.urlencode()}
