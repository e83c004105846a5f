"""Portal pages: the bidder's procedures, one procedure's public facts and documents (issue 20).

Only what every bidder of a procedure is told, plus the bidder's own bid: never evaluators, scores, other
bidders, the memo or waivers. Everything is fetched through awards.portal.access."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from awards.models import Bid
from awards.models.procedure import TIMELINE_FIELDS, Stage
from awards.portal.access import (
    bidder_bids,
    bidder_required,
    portal_bid_or_404,
    portal_rfp_document_or_404,
    portal_rfp_documents,
)
from awards.selectors.timeline import proposals_closed
from procurement.exceptions import EvidenceTampered
from procurement.uploads import verified_download

UNDER_EVALUATION = (Bid.Status.SUBMITTED, Bid.Status.KNOCKED_OUT, Bid.Status.SHORTLISTED)


def bid_status_for_bidder(bid: Bid) -> str:
    """The bid's status in the bidder's words. The evaluation's inner steps (knocked out, shortlisted) are not
    told until the award is notified; before then a received bid is "under evaluation"."""
    procedure = bid.procedure
    if bid.status == Bid.Status.DECLINED:
        return "You declined to bid."
    if procedure.stage == Stage.CANCELLED:
        return "The procedure was cancelled."
    if procedure.stage == Stage.AWARDED and bid.status == Bid.Status.AWARDED:
        return "Awarded to you."
    if procedure.stage == Stage.AWARDED:
        return "Not successful: the contract was awarded to another bidder."
    if bid.submitted_at is not None or bid.status in UNDER_EVALUATION:
        return "Your bid was received and is being evaluated."
    if proposals_closed(procedure):
        return "The deadline for proposals has passed."
    return "Invited: your bid is not submitted yet."


def timeline(procedure) -> list[tuple[str, object]]:
    return [(label, getattr(procedure, field)) for field, label, _ in TIMELINE_FIELDS
            if getattr(procedure, field) is not None]


def qa_open(procedure) -> bool:
    """Bidders may ask questions while the RFP is out and until the end of the question deadline's day."""
    if procedure.stage != Stage.RFP_ISSUED:
        return False
    return procedure.question_deadline is None or timezone.localdate() <= procedure.question_deadline


@bidder_required
@require_GET
def home(request):
    bids = list(bidder_bids(request.user).annotate(
        unacknowledged=Count("notices", filter=Q(notices__acknowledged_at=None), distinct=True)))
    rows = [{"bid": bid, "procedure": bid.procedure, "status": bid_status_for_bidder(bid),
             "qa_open": qa_open(bid.procedure), "closed": proposals_closed(bid.procedure)} for bid in bids]
    return render(request, "portal/home/home.html", {"rows": rows, "today": timezone.localdate()})


@bidder_required
@require_GET
def procedure(request, reference):
    bid = portal_bid_or_404(request.user, reference)
    proc = bid.procedure
    return render(request, "portal/home/procedure.html", {
        "bid": bid, "procedure": proc, "portal_procedure": proc, "status": bid_status_for_bidder(bid),
        "timeline": timeline(proc), "documents": list(portal_rfp_documents(bid)), "qa_open": qa_open(proc),
        "closed": proposals_closed(proc), "unacknowledged": bid.notices.filter(acknowledged_at=None).count(),
        "awarded": proc.stage == Stage.AWARDED,
    })


@bidder_required
@require_GET
def rfp_document(request, reference, document_id):
    bid, document = portal_rfp_document_or_404(request.user, reference, document_id)
    try:  # verified in full before a byte is sent (see procurement.uploads.open_verified)
        return verified_download(document.file, sha256=document.sha256, filename=document.original_name,
                                 content_type=document.content_type, what="This document")
    except EvidenceTampered as exc:
        message = str(exc) if exc.missing else ("This document no longer matches the fingerprint taken when it was "
                                                "stored, so it is withheld. Tell the procurement lead.")
        return render(request, "portal/home/withheld.html",
                      {"message": message, "portal_procedure": bid.procedure}, status=409)


urlpatterns: list = [
    path("", home, name="home"),
    path("procedures/<str:reference>/", procedure, name="procedure"),
    path("procedures/<str:reference>/documents/<int:document_id>/", rfp_document, name="rfp_document"),
]
