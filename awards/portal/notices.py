"""Portal pages: the notices sent to the bidder's bid, and the acknowledgement of receipt (issue 20)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from awards.portal.access import bidder_required, portal_bid_or_404, portal_notice_or_404, portal_notices
from awards.services.bidder_notices import bidder_notice_acknowledge


@bidder_required
@require_GET
def notice_list(request, reference):
    bid = portal_bid_or_404(request.user, reference)
    notices = list(portal_notices(bid))
    return render(request, "portal/notices/list.html", {
        "bid": bid, "portal_procedure": bid.procedure, "notices": notices,
        "unacknowledged": sum(1 for notice in notices if notice.acknowledged_at is None)})


@bidder_required
@require_GET
def notice_detail(request, reference, notice_id):
    bid, notice = portal_notice_or_404(request.user, reference, notice_id)
    return render(request, "portal/notices/detail.html",
                  {"bid": bid, "portal_procedure": bid.procedure, "notice": notice})


@bidder_required
@require_POST
def notice_acknowledge(request, reference, notice_id):
    _, notice = portal_notice_or_404(request.user, reference, notice_id)
    first = notice.acknowledged_at is None
    bidder_notice_acknowledge(actor=request.user, notice=notice)
    if first:
        messages.success(request, "Thank you: your receipt of this notice is recorded.")
    return redirect("portal:notice_detail", reference, notice.pk)


urlpatterns: list = [
    path("procedures/<str:reference>/notices/", notice_list, name="notices"),
    path("procedures/<str:reference>/notices/<int:notice_id>/", notice_detail, name="notice_detail"),
    path("procedures/<str:reference>/notices/<int:notice_id>/acknowledge/", notice_acknowledge,
         name="notice_acknowledge"),
]
