"""The list of award procedures (issue 21): sorted, filtered, paginated and exported through procurement.listing.

The rows are `awards.selectors.procedure_list`, built on `procedure_policy.visible(user)`.
"""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from awards import selectors
from awards.forms.procedure import ProcedureFilterForm
from awards.policies import procedure_policy
from procurement.listing import Column, Listing, display


def _rows(user, params: dict):
    return selectors.procedure_list(user, q=params.get("q", ""), stage=params.get("stage", ""),
                                    category=params.get("category", ""))


PROCEDURE_LISTING = Listing(
    name="award-procedures",
    columns=(
        Column("reference", "Reference", lambda p: p.reference, sort="reference"),
        Column("title", "Title", lambda p: p.title, sort="title"),
        Column("stage", "Stage", display("stage"), sort="stage"),
        Column("category", "Category", display("category"), sort="category"),
        Column("value", "Estimated value", lambda p: p.estimated_value, sort="estimated_value"),
        Column("currency", "Currency", lambda p: p.currency, export=True),
        Column("bids", "Bidders", lambda p: p.bid_count),
        Column("award", "Target award", lambda p: p.target_award_date, sort="target_award_date"),
        Column("created", "Created", lambda p: p.created_at, sort="created_at"),
    ),
    rows=_rows, default_sort="-created", filter_form=ProcedureFilterForm,
    row_template="awards/_procedure_row.html",
)
# The page shows the value with its currency in one column, and no creation date (it is the default order).
PAGE_COLUMNS = [c for c in PROCEDURE_LISTING.table_columns if c[0] not in ("currency", "created")]


@login_required
@require_GET
def procedure_list(request):
    return PROCEDURE_LISTING.respond(request, "awards/procedure_list.html", {
        "columns": PAGE_COLUMNS, "can_create": procedure_policy.allows(request.user, "create"),
    })
