"""Who may see what in the bidders' portal: the one place (issue 20).

A bidder is an active user of kind "bidder" whose account is a contact of exactly one vendor
(vendors.VendorContact.account). They see the bids of that vendor to which any of the vendor's contacts accepted
an invitation, and through a bid only what the bid's procedure shows every bidder plus the bid's own records.
Staff users get 404 on every portal page (they have the internal pages); anonymous visitors are sent to sign in.

Every portal view fetches through `portal_bid_or_404` (or `bidder_vendor_or_404`), never with a query of its
own, so the isolation matrix (tests/security) proves the rule once for every page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from awards.models import Bid
from vendors.models import Vendor, VendorContact


def bidder_contact(user) -> VendorContact | None:
    """The vendor contact whose sign-in `user` is, or None (staff, inactive, anonymous, or not linked)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not getattr(user, "is_bidder", False):
        return None
    cached = getattr(user, "_baton_bidder_contact", False)
    if cached is False:
        cached = VendorContact.objects.select_related("vendor").filter(account=user).first()
        user._baton_bidder_contact = cached
    return cached


def bidder_vendor(user) -> Vendor | None:
    contact = bidder_contact(user)
    return contact.vendor if contact is not None else None


def bidder_bids(user):
    """The bids `user` may open in the portal (an empty queryset for anyone who is not a linked bidder)."""
    vendor = bidder_vendor(user)
    if vendor is None:
        return Bid.objects.none()
    return (Bid.objects.filter(vendor=vendor, invitations__accepted_at__isnull=False)
            .select_related("procedure", "vendor").distinct().order_by("-procedure__created_at", "pk"))


def portal_bid_or_404(user, reference: str) -> Bid:
    """The bidder's own bid in the procedure `reference`, or 404 (whether the procedure exists or not)."""
    bid = bidder_bids(user).filter(procedure__reference=reference).first()
    if bid is None:
        raise Http404("No such procedure in your portal.")
    return bid


def bidder_vendor_or_404(user) -> Vendor:
    vendor = bidder_vendor(user)
    if vendor is None:
        raise Http404("Not a bidder.")
    return vendor


def bidder_required(view):
    """Portal views: anonymous → sign in; a staff user or an unlinked account → 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if bidder_contact(request.user) is None:
            raise Http404("The bidders' portal is for vendor contacts.")
        return view(request, *args, **kwargs)

    return wrapper


# --- records reached through the bidder's own bid ---------------------------------------------------------------

def portal_rfp_documents(bid: Bid):
    """The RFP documents of the bid's procedure that bidders may download (not withdrawn), oldest first."""
    from awards.models import RfpDocument

    return RfpDocument.objects.filter(procedure_id=bid.procedure_id, withdrawn_at=None).order_by("created_at", "pk")


def portal_rfp_document_or_404(user, reference: str, document_id: int):
    bid = portal_bid_or_404(user, reference)
    document = portal_rfp_documents(bid).filter(pk=document_id).first()
    if document is None:
        raise Http404("No such document.")
    return bid, document


def portal_notices(bid: Bid):
    """The notices sent to this bid (never another bid's), newest first."""
    from awards.models import BidderNotice

    return BidderNotice.objects.filter(bid=bid).order_by("-published_at", "-pk")


def portal_notice_or_404(user, reference: str, notice_id: int):
    bid = portal_bid_or_404(user, reference)
    notice = portal_notices(bid).filter(pk=notice_id).first()
    if notice is None:
        raise Http404("No such notice.")
    return bid, notice


def portal_own_questions(bid: Bid):
    """The questions this bid asked (whoever recorded them), in the order asked."""
    from awards.models import Question

    return Question.objects.filter(bid=bid).order_by("number")


def portal_published_answers(bid: Bid):
    """Every published question and answer of the bid's procedure. Pages show only `published_question` and
    `answer` from these rows: never who asked."""
    from awards.models import Question

    return (Question.objects.filter(procedure_id=bid.procedure_id, published_at__isnull=False)
            .only("pk", "procedure_id", "number", "text", "public_text", "answer", "published_at")
            .order_by("number"))
