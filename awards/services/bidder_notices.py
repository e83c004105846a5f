"""Telling bidders (issue 20): one BidderNotice per bid, shown in the portal, and one notification (portal + e-mail
through the outbox) per vendor contact with a portal account. Idempotent on (bid, key): a service that runs twice
tells nobody twice. Called inside the caller's transaction; the e-mails go once it commits."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from awards.models import Bid, BidderNotice
from procurement.audit.history import attribute
from procurement.exceptions import DomainError
from procurement.notifications.services import notify
from vendors.models import VendorContact

# The bids that hear about a procedure unless the caller names them: everyone invited and not declined.
LISTENING = (Bid.Status.INVITED, Bid.Status.SUBMITTED, Bid.Status.KNOCKED_OUT, Bid.Status.SHORTLISTED,
             Bid.Status.AWARDED, Bid.Status.UNSUCCESSFUL)


def listening_bids(procedure):
    return (Bid.objects.filter(procedure=procedure, status__in=LISTENING).select_related("vendor", "procedure")
            .order_by("vendor__legal_name", "pk"))


def bidder_notice_publish(*, actor, procedure, kind: str, subject: str, body: str, key: str, bids=None,
                          debrief=None) -> list[BidderNotice]:
    """Publish a notice to `bids` (default: every listening bid of the procedure); returns the rows created now."""
    if kind not in BidderNotice.Kind.values:
        raise ValueError(f"Unknown bidder notice kind {kind!r}.")
    targets = list(listening_bids(procedure) if bids is None else bids)
    now = timezone.now()
    created = []
    for bid in targets:
        if bid.procedure_id != procedure.pk:
            raise DomainError("A notice goes only to bids of its own procedure.")
        notice = BidderNotice(procedure=procedure, bid=bid, kind=kind, key=key[:200], subject=subject[:200],
                              body=body, debrief=debrief, published_at=now, published_by=actor)
        attribute(notice, actor=actor, reason=f"Published to {bid.vendor}: {subject}"[:100])
        try:
            with transaction.atomic():
                notice.save()
        except IntegrityError:
            continue  # this bid was told already
        created.append(notice)
        url = reverse("portal:notice_detail", args=[procedure.reference, notice.pk])
        for contact in (VendorContact.objects.filter(vendor_id=bid.vendor_id, account__isnull=False,
                                                     account__is_active=True).select_related("account")):
            notify(recipient=contact.account, kind="bidder_notice", key=f"bidder_notice:{notice.pk}",
                   subject=f"{procedure.reference}: {subject}"[:200], body=body, url=url)
    return created


@transaction.atomic
def bidder_notice_acknowledge(*, actor, notice: BidderNotice) -> BidderNotice:
    """The bidder confirms they received the notice (the first acknowledgement counts; later ones change nothing).
    The caller has fetched `notice` through awards.portal.access (it is the actor's own bid's)."""
    notice = BidderNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.acknowledged_at is not None:
        return notice
    notice.acknowledged_at, notice.acknowledged_by = timezone.now(), actor
    attribute(notice, actor=actor, reason="Receipt acknowledged by the bidder")
    notice.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
    return notice
