"""Portal page: the bidder's price schedule (issue 20).

The bidder picks the currency and fills rows of one-off, recurring and usage-based lines; a usage row prices one of
the lead's volume assumptions (its volume and unit are shown). "Work out the total" checks the rows and shows the
total over the procedure's term in the bid's currency without saving; "Seal and save" does the same and seals the
schedule with awards.services.sealed.sealed_price_schedule_save (replacing any schedule saved before).

A saved schedule is sealed: this page never shows its content (nothing in the app can read it before the opening),
only that one is saved, when, and its sha256 — the bidder keeps their own copy. The bid is fetched through
awards.portal.access.portal_bid_or_404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from awards.forms.price_schedule import (
    MAX_ROWS,
    blank_rows,
    schedule_post,
)
from awards.models import PriceLine, SealedItem, SealedSubmission, VolumeAssumption
from awards.portal.access import bidder_required, portal_bid_or_404


def _sealed_schedule(bid):
    submission = SealedSubmission.objects.filter(bid=bid).first()
    if submission is None:
        return None
    return (submission.items.filter(kind=SealedItem.Kind.PRICE_SCHEDULE, removed_at__isnull=True)
            .order_by("-added_at", "-pk").first())


@bidder_required
@require_http_methods(["GET", "POST"])
def price_page(request, reference):
    bid = portal_bid_or_404(request.user, reference)
    procedure = bid.procedure
    if procedure.submission != "portal":
        raise Http404("This procedure does not take bids through the portal.")
    assumptions = {a.key: a for a in VolumeAssumption.objects.filter(procedure=procedure).order_by("position", "pk")}
    currency = procedure.currency
    rows = blank_rows()
    context = {"bid": bid, "procedure": procedure, "portal_procedure": procedure,
               "assumptions": list(assumptions.values()), "kinds": PriceLine.Kind.choices,
               "row_errors": {}, "errors": [], "field_errors": {}, "total": None}
    status = 200
    if request.method == "POST":
        from awards.services.sealed import sealed_price_schedule_save

        currency, rows, status, saved = schedule_post(
            request.POST, procedure=procedure, assumptions=assumptions, context=context,
            save=lambda data: sealed_price_schedule_save(actor=request.user, bid=bid, schedule=data))
        if saved:
            messages.success(request, "Your price schedule is sealed and saved. Nobody can read it before the bids "
                                      "are opened. Submit your bid on the bid page when it is complete.")
            return redirect(reverse("portal:submission", args=[procedure.reference]))
    context["currency"] = currency
    context["rows"] = [(index, row, context["row_errors"].get(index, [])) for index, row in enumerate(rows)]
    context["row_count"] = len(rows)
    context["max_rows"] = MAX_ROWS
    context["sealed"] = _sealed_schedule(bid)
    return render(request, "portal/price/page.html", context, status=status)


urlpatterns: list = [
    path("procedures/<str:reference>/bid/price/", price_page, name="price"),
]
