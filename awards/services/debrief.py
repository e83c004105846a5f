"""Debriefs for the bidders who did not win: opened on approval, prefilled from the frozen scoring snapshot
(the bidder's own group scores next to the winning bid's, never another bidder's detail), edited by the lead,
and sent to the bidder through the portal (issue 20): `debrief_send` publishes a "debrief" notice once per
version of the debrief's content (the bidder's portal shows the debrief as it stood when it was sent)."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from django.db import transaction

from awards.models import Bid, BidderNotice, Debrief, DecisionMemo, MemoVersion
from awards.policies import debrief_policy
from awards.services.bidder_notices import bidder_notice_publish
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_save

DEBRIEFED_STATUSES = (Bid.Status.UNSUCCESSFUL, Bid.Status.KNOCKED_OUT)


def debriefs_open(*, memo: DecisionMemo, actor) -> list[Debrief]:
    """One debrief per unsuccessful (or knocked-out) bid, prefilled from the approved version's snapshot."""
    version = MemoVersion.objects.get(memo=memo, number=memo.version)
    lines = version.scoring_snapshot.get("debriefs", {})
    opened = []
    for bid in Bid.objects.filter(procedure_id=memo.procedure_id, status__in=DEBRIEFED_STATUSES).order_by("pk"):
        if Debrief.objects.filter(bid=bid).exists():
            continue
        own = lines.get(str(bid.pk), {})
        debrief = Debrief(memo=memo, bid=bid, own_total=own.get("total"), winning_total=own.get("winning_total"),
                          groups=own.get("groups", []),
                          exclusion_reason=own.get("reason", "") or (bid.status_reason
                                                                     if bid.status == Bid.Status.KNOCKED_OUT else ""))
        attribute(debrief, actor=actor, reason="Debrief opened on award")
        debrief.save()
        opened.append(debrief)
    return opened


@transaction.atomic
def debrief_update(*, actor, debrief: Debrief, held_on: date | None, attendees: str = "", strengths: str = "",
                   weaknesses: str = "", advice: str = "") -> Debrief:
    debrief = Debrief.objects.select_for_update().select_related("memo__procedure", "bid__vendor").get(pk=debrief.pk)
    require(actor, debrief_policy, "edit", debrief)
    if not debrief.memo.is_approved:
        raise DomainError("Debriefs follow an approved decision memo.")
    debrief.held_on, debrief.attendees = held_on, attendees.strip()
    debrief.strengths, debrief.weaknesses, debrief.advice = strengths.strip(), weaknesses.strip(), advice.strip()
    model_save(debrief, actor=actor, reason="Debrief recorded")
    return debrief


# What the bidder reads: a change to any of these is a new version, and sending it again tells them again.
DEBRIEF_CONTENT_FIELDS = ("held_on", "attendees", "strengths", "weaknesses", "advice", "own_total",
                          "winning_total", "groups", "exclusion_reason")


def debrief_content_hash(debrief: Debrief) -> str:
    content = {name: getattr(debrief, name) for name in DEBRIEF_CONTENT_FIELDS}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def debrief_sent_notices(debrief: Debrief):
    """The debrief notices published for `debrief`, newest first."""
    return BidderNotice.objects.filter(debrief=debrief, kind=BidderNotice.Kind.DEBRIEF).order_by("-published_at",
                                                                                                "-pk")


@transaction.atomic
def debrief_send(*, actor, debrief: Debrief) -> BidderNotice:
    """Send the written debrief to the bidder: a "debrief" notice in their portal, e-mailed to the vendor's
    contacts with a portal account. Once per version of the content: sending an unchanged debrief again returns
    the notice already sent (`sent_now` False) and tells nobody; sending after an edit publishes a new notice."""
    debrief = Debrief.objects.select_for_update().select_related("memo__procedure", "bid__vendor").get(pk=debrief.pk)
    require(actor, debrief_policy, "edit", debrief)
    if not debrief.memo.is_approved:
        raise DomainError("Debriefs follow an approved decision memo.")
    if not any(getattr(debrief, name).strip() for name in ("strengths", "weaknesses", "advice")):
        raise DomainError("Write the debrief first: its strengths, weaknesses or advice are still empty.")
    procedure = debrief.memo.procedure
    version = debrief_content_hash(debrief)
    sent = list(debrief_sent_notices(debrief).only("pk", "key", "published_at"))
    if sent and sent[0].key.endswith(f":{version[:16]}"):  # the bidder has this very content: nobody is told twice
        sent[0].sent_now = False
        return sent[0]
    key = f"debrief:{debrief.pk}:v{len(sent) + 1}:{version[:16]}"
    resend = bool(sent)
    subject = (f"Your debrief, updated: {procedure.title}" if resend else f"Your debrief: {procedure.title}")
    body = (f"The debrief on your bid in {procedure.reference} “{procedure.title}” "
            f"{'has been updated' if resend else 'is ready'}. It shows your scores by criterion group next to the "
            "winning bid's, and our comments on your bid. Read it in the bidders' portal and confirm you received "
            "it there.")
    published = bidder_notice_publish(actor=actor, procedure=procedure, kind=BidderNotice.Kind.DEBRIEF,
                                      subject=subject, body=body, key=key, bids=[debrief.bid], debrief=debrief)
    if not published:  # sent by a concurrent request a moment ago
        notice = BidderNotice.objects.get(bid=debrief.bid, key=key)
        notice.sent_now = False
        return notice
    attribute(debrief, actor=actor, reason="Debrief sent to the bidder" + (" again, after changes" if resend else ""))
    debrief.save(update_fields=["updated_at"])
    notice = published[0]
    notice.sent_now = True
    return notice
