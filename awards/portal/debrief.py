"""Portal pages: the bidder's own debrief (issue 20).

Only the bidder's own bid (awards.portal.access.portal_bid_or_404), and only once the lead has sent the debrief
(awards.services.debrief.debrief_send publishes a "debrief" notice). The page shows the debrief as it stood when
it was last sent (its history row at that moment), so an edit the lead has not sent yet is never shown. It holds
the bid's own total and the winning total, its points per criterion group against the winning bid's (frozen in
the debrief when the memo was approved), the exclusion reason of a knocked-out bid, and the lead's strengths,
weaknesses and advice (sanitised Markdown). Nothing of any other bidder. The winning bid has no debrief.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from awards.models import Bid, BidderNotice, Debrief
from awards.portal.access import bidder_required, portal_bid_or_404, portal_notices
from awards.services.bidder_notices import bidder_notice_acknowledge


def sent_debrief_notice(bid: Bid) -> BidderNotice | None:
    """The latest debrief notice the bid was sent, or None."""
    return portal_notices(bid).filter(kind=BidderNotice.Kind.DEBRIEF, debrief__bid=bid).first()


def debrief_as_sent(notice: BidderNotice):
    """The debrief as it stood when `notice` was published (its history row at that moment)."""
    debrief = Debrief.objects.get(pk=notice.debrief_id)
    try:
        return debrief.history.as_of(notice.published_at)
    except Debrief.DoesNotExist:  # no history row (rows built by hand): the debrief as it is
        return debrief


@bidder_required
@require_GET
def debrief(request, reference):
    bid = portal_bid_or_404(request.user, reference)
    context = {"portal_procedure": bid.procedure, "bid": bid, "state": "unsent"}
    if bid.status == Bid.Status.AWARDED:
        context["state"] = "winner"
    else:
        notice = sent_debrief_notice(bid)
        if notice is not None:
            shown = debrief_as_sent(notice)
            memo = Debrief.objects.select_related("memo__recommended_bid__vendor").get(pk=notice.debrief_id).memo
            context.update(state="sent", notice=notice, debrief=shown, winner=memo.recommended_bid.vendor,
                           standstill_ends_on=memo.standstill_ends_on)
    return render(request, "portal/debrief/page.html", context)


@bidder_required
@require_POST
def debrief_acknowledge(request, reference):
    bid = portal_bid_or_404(request.user, reference)
    notice = sent_debrief_notice(bid) if bid.status != Bid.Status.AWARDED else None
    if notice is None:
        raise Http404("No debrief has been sent to you.")
    bidder_notice_acknowledge(actor=request.user, notice=notice)
    messages.success(request, "Thank you: we have recorded that you received the debrief.")
    return redirect(reverse("portal:debrief", args=[reference]))


urlpatterns: list = [
    path("procedures/<str:reference>/debrief/", debrief, name="debrief"),
    path("procedures/<str:reference>/debrief/acknowledge/", debrief_acknowledge, name="debrief_acknowledge"),
]
