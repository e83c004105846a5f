"""The bidder's side of a sealed bid (issue 20): files and a price schedule sealed on arrival, then submitted.

How a sealed bid moves (SealedSubmission.status):

    draft ──submit──> submitted ──withdraw──> withdrawn
      ^                   │                       │
      └── add / remove / replace an item ─────────┘   (before proposals-due only)

- Every item (a proposal file, or the one price schedule) is sealed the moment it arrives (awards.sealing); only
  its kind, size, sha256 and the time it was added are readable inside. Titles and file names are sealed too.
- Submitting needs at least one proposal file, and a price schedule when the procedure asks for price (it has
  volume assumptions, or its scorecard has a price-scored criterion). It records the receipt: the server time and
  the receipt hash (sha256 over the bid, the receipt time and every item's kind, size and sha256).
- Changing anything after submitting (adding, removing or replacing an item) takes the bid back to "being
  prepared": the earlier receipt no longer counts, and the bidder must submit again before the deadline. The
  history keeps every receipt given.
- Withdrawing (with a reason) before the deadline means the bid will not be opened; the bidder may still change
  it and submit again before the deadline.
- The deadline is awards.selectors.timeline.proposals_deadline (the end of the proposals-due day). After it,
  nothing already submitted changes. A bid not yet submitted is refused when BATON_LATE_BIDS is "refuse"; when it
  is "record", the bidder may still seal and submit it once, marked late: it stays sealed through the opening and
  is opened only if the lead admits it under a late-bid waiver (awards.services.opening.late_submission_open).
- The lead is told ("bid_received") when a bid is submitted or withdrawn, never what it holds.

Every service here is called with the bidder as `actor`; `require_bidder_of` is the rule, the same as the portal's
(awards.portal.access): an active bidder account of the bid's vendor, with an accepted invitation to the bid.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from awards.models import AwardProcedure, Bid, SealedItem, SealedSubmission, SealingKey, VolumeAssumption
from awards.models.procedure import Stage, Submission
from awards.portal.access import bidder_bids
from awards.sealing import context_for, new_keypair, seal
from awards.selectors.timeline import deadline_text as timeline_deadline_text
from awards.selectors.timeline import proposals_closed
from awards.services._common import lock_procedure, locked
from awards.services.price import price_schedule_clean
from procurement.audit.history import attribute
from procurement.exceptions import DomainError
from procurement.notifications.services import notify
from procurement.services import model_save
from procurement.uploads import UploadRefused, read_capped
from vendors.files import check_upload

ON_TIME_STAGES = (Stage.RFP_ISSUED,)
LATE_STAGES = (Stage.RFP_ISSUED, Stage.EVALUATION)  # a late bid may arrive after the lead moved on
NOT_YOURS = "This bid is not one of your vendor's bids in the portal."


def require_bidder_of(actor, bid: Bid) -> None:
    """The actor is an active bidder of the bid's vendor with an accepted invitation to it (as the portal shows)."""
    if not bidder_bids(actor).filter(pk=bid.pk).exists():
        raise PermissionDenied(NOT_YOURS)


def deadline_text(procedure: AwardProcedure) -> str:
    """The deadline in words, with its time and zone: one wording everywhere (awards.selectors.timeline)."""
    return timeline_deadline_text(procedure)


def asks_for_price(procedure: AwardProcedure) -> bool:
    """Does this procedure need a price schedule with every bid? Yes when the lead set volume assumptions or the
    scorecard scores price."""
    from awards.models import Criterion

    return (VolumeAssumption.objects.filter(procedure=procedure).exists()
            or Criterion.objects.filter(scorecard__procedure=procedure, price_scored=True).exists())


def live_items(submission: SealedSubmission):
    return submission.items.filter(removed_at__isnull=True).order_by("added_at", "pk")


def receipt_hash(submission: SealedSubmission, items) -> str:
    """sha256 over the bid, its receipt time and each live item's kind, size and sha256 (what the receipt shows)."""
    payload = {"bid": submission.bid_id, "procedure": submission.bid.procedure.reference,
               "vendor": submission.bid.vendor_id, "received_at": submission.submitted_at.isoformat(),
               "items": [[item.kind, item.size, item.sha256] for item in items]}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


# --- the common gate ----------------------------------------------------------------------------------------------


def _open_for_change(actor, bid: Bid, *, doing: str) -> tuple[AwardProcedure, Bid, SealedSubmission, bool]:
    """Lock the procedure, the bid and its sealed submission and check the bidder may change it now.
    Returns (procedure, bid, submission, late)."""
    procedure = lock_procedure(bid.procedure_id)
    bid = locked(Bid, bid.pk)
    require_bidder_of(actor, bid)
    if procedure.submission != Submission.PORTAL:
        raise DomainError(f"{procedure.reference} does not take bids through the portal: the procurement lead "
                          "receives its proposals outside Baton.")
    if bid.status != Bid.Status.INVITED:
        raise DomainError(f"Your bid is {bid.get_status_display().lower()}; it can no longer be changed.")
    late = proposals_closed(procedure)
    if procedure.stage not in (LATE_STAGES if late else ON_TIME_STAGES):
        raise DomainError(f"{procedure.reference} is not receiving bids (it is {procedure.get_stage_display()}).")
    submission = SealedSubmission.objects.select_for_update().filter(bid=bid).first()
    if submission is None:
        submission = SealedSubmission(bid=bid)
        model_save(submission, actor=actor, reason="Sealed bid started in the portal")
    if late:
        if settings.BATON_LATE_BIDS == "refuse":
            raise DomainError(f"Proposals for {procedure.reference} were due by {deadline_text(procedure)}. The "
                              f"deadline has passed and this procedure does not accept late bids, so you cannot "
                              f"{doing}.")
        if submission.status != SealedSubmission.Status.DRAFT:
            raise DomainError(f"Proposals for {procedure.reference} were due by {deadline_text(procedure)}. Your "
                              f"bid as it stood at the deadline is final, so you cannot {doing}.")
    elif submission.status not in (SealedSubmission.Status.DRAFT, SealedSubmission.Status.SUBMITTED,
                                   SealedSubmission.Status.WITHDRAWN):
        raise DomainError(f"Your bid is {submission.get_status_display().lower()}; it can no longer be changed.")
    return procedure, bid, submission, late


def _back_to_draft(actor, submission: SealedSubmission, why: str) -> None:
    """A change after submitting (or withdrawing): the receipt no longer counts; the bidder submits again."""
    if submission.status == SealedSubmission.Status.DRAFT:
        return
    was = submission.get_status_display().lower()
    submission.status = SealedSubmission.Status.DRAFT
    submission.submitted_at, submission.submitted_by, submission.receipt_hash = None, None, ""
    attribute(submission, actor=actor, reason=f"Back to being prepared ({why}; it was {was}): submit again"[:100])
    submission.save(update_fields=["status", "submitted_at", "submitted_by", "receipt_hash", "updated_at"])


def _sealing_key(procedure: AwardProcedure) -> SealingKey:
    key = SealingKey.objects.filter(procedure=procedure).first()
    if key is None:
        public, wrapped = new_keypair()
        key = SealingKey(procedure=procedure, public_key=public, wrapped_private_key=wrapped)
        attribute(key, actor=None, reason="Sealing key made for the procedure's sealed bids")
        key.save()
    return key


def _store_item(*, actor, procedure, submission, kind: str, plaintext: bytes, sha256: str, meta: dict) -> SealedItem:
    key = _sealing_key(procedure)
    ciphertext, envelope = seal(key.public_key, plaintext, meta, context=context_for(procedure.pk, kind))
    item = SealedItem(submission=submission, kind=kind, envelope=envelope, sha256=sha256, size=len(plaintext),
                      added_by=actor)
    item.blob.save(secrets.token_hex(20), ContentFile(ciphertext), save=False)
    try:
        model_save(item, actor=actor, reason=f"{item.get_kind_display()} sealed")
    except Exception:
        item.blob.delete(save=False)
        raise
    return item


def _remove(actor, item: SealedItem, why: str) -> None:
    item.removed_at = timezone.now()
    attribute(item, actor=actor, reason=why)
    item.save(update_fields=["removed_at"])


# --- the services -------------------------------------------------------------------------------------------------


@transaction.atomic
def sealed_document_add(*, actor, bid: Bid, title: str, upload) -> SealedItem:
    """Seal a proposal file (its title, name and type sealed with it). The file passes the one upload gate
    (vendors.files.check_upload) with the portal's limit, BATON_SEALED_MAX_BYTES."""
    procedure, bid, submission, _ = _open_for_change(actor, bid, doing="add a file")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the file a title."})
    if len(title) > 200:
        raise ValidationError({"title": "Keep the title to 200 characters."})
    limit = int(settings.BATON_SEALED_MAX_BYTES)
    try:
        checked = check_upload(upload, upload.name, limit=limit)
        plaintext = read_capped(upload, limit)
    except UploadRefused as exc:
        raise ValidationError({"file": str(exc)}) from None
    if hashlib.sha256(plaintext).hexdigest() != checked.sha256:
        raise ValidationError({"file": "The file changed while it was being read; upload it again."})
    if live_items(submission).filter(kind=SealedItem.Kind.DOCUMENT, sha256=checked.sha256).exists():
        raise ValidationError({"file": "This exact file is already in your bid."})
    item = _store_item(actor=actor, procedure=procedure, submission=submission, kind=SealedItem.Kind.DOCUMENT,
                       plaintext=plaintext, sha256=checked.sha256,
                       meta={"title": title, "original_name": checked.original_name[:255],
                             "content_type": checked.content_type})
    _back_to_draft(actor, submission, "a file was added")
    return item


@transaction.atomic
def sealed_item_remove(*, actor, item: SealedItem) -> SealedItem:
    """Take a file or the price schedule out of the bid (it stays in the history as removed, still sealed)."""
    item = SealedItem.objects.select_related("submission__bid").get(pk=item.pk)
    _, _, submission, _ = _open_for_change(actor, item.submission.bid, doing="remove a file")
    item = locked(SealedItem, item.pk)
    if item.removed_at is not None:
        raise DomainError("This item was already removed from your bid.")
    _remove(actor, item, f"{item.get_kind_display()} removed by the bidder")
    _back_to_draft(actor, submission, "an item was removed")
    return item


@transaction.atomic
def sealed_document_replace(*, actor, item: SealedItem, title: str, upload) -> SealedItem:
    """Replace a sealed file with another in one step (the old one removed, the new one sealed)."""
    item = SealedItem.objects.select_related("submission__bid").get(pk=item.pk)
    if item.kind != SealedItem.Kind.DOCUMENT:
        raise DomainError("Only a file can be replaced this way; change the price schedule on its own page.")
    bid = item.submission.bid
    sealed_item_remove(actor=actor, item=item)
    return sealed_document_add(actor=actor, bid=bid, title=title, upload=upload)


@transaction.atomic
def sealed_price_schedule_save(*, actor, bid: Bid, schedule: dict) -> SealedItem:
    """Seal the bid's price schedule (see awards.services.price for its shape), replacing the one before. A random
    salt is sealed with it, so its sha256 on the receipt cannot be guessed from likely prices."""
    procedure, bid, submission, _ = _open_for_change(actor, bid, doing="change the price schedule")
    clean = price_schedule_clean(procedure=procedure, data=schedule)
    plaintext = json.dumps({**clean, "salt": secrets.token_hex(16)}, sort_keys=True).encode()
    for old in live_items(submission).filter(kind=SealedItem.Kind.PRICE_SCHEDULE):
        _remove(actor, locked(SealedItem, old.pk), "Price schedule replaced by the bidder")
    item = _store_item(actor=actor, procedure=procedure, submission=submission,
                       kind=SealedItem.Kind.PRICE_SCHEDULE, plaintext=plaintext,
                       sha256=hashlib.sha256(plaintext).hexdigest(),
                       meta={"title": "Price schedule", "original_name": "price-schedule.json",
                             "content_type": "application/json"})
    _back_to_draft(actor, submission, "the price schedule changed")
    return item


@transaction.atomic
def sealed_submit(*, actor, bid: Bid) -> SealedSubmission:
    """Submit the sealed bid as it stands: the receipt time is the server's clock now."""
    procedure, bid, submission, late = _open_for_change(actor, bid, doing="submit")
    if submission.status == SealedSubmission.Status.SUBMITTED:
        raise DomainError("Your bid is already submitted. Change it (which takes it back to being prepared) or "
                          "withdraw it.")
    items = list(live_items(submission))
    if not any(item.kind == SealedItem.Kind.DOCUMENT for item in items):
        raise DomainError("Add at least one proposal file before you submit.")
    if asks_for_price(procedure) and not any(item.kind == SealedItem.Kind.PRICE_SCHEDULE for item in items):
        raise DomainError("This procedure asks for a price schedule with every bid: fill it in before you submit.")
    submission.status = SealedSubmission.Status.SUBMITTED
    submission.submitted_at, submission.submitted_by, submission.late = timezone.now(), actor, late
    submission.bid = bid
    submission.receipt_hash = receipt_hash(submission, items)
    attribute(submission, actor=actor, reason=("Submitted after the deadline (late), sealed" if late
                                               else "Submitted, sealed") + f"; receipt {submission.receipt_hash[:16]}")
    submission.save(update_fields=["status", "submitted_at", "submitted_by", "late", "receipt_hash", "updated_at"])
    if late:
        from awards.services.opening import late_submission_after_opening

        late_submission_after_opening(submission=submission)
    _tell_lead(procedure, submission, "submitted late" if late else "submitted")
    return submission


@transaction.atomic
def sealed_withdraw(*, actor, bid: Bid, reason: str) -> SealedSubmission:
    """Withdraw a submitted bid before the deadline: it will not be opened. It may be changed and submitted again
    until the deadline."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you withdraw the bid."})
    procedure, bid, submission, _ = _open_for_change(actor, bid, doing="withdraw")
    if submission.status != SealedSubmission.Status.SUBMITTED:
        raise DomainError("Only a submitted bid can be withdrawn; this one is "
                          f"{submission.get_status_display().lower()}.")
    submission.status = SealedSubmission.Status.WITHDRAWN
    submission.receipt_hash = ""
    attribute(submission, actor=actor, reason=f"Withdrawn by the bidder: {reason}"[:100])
    submission.save(update_fields=["status", "receipt_hash", "updated_at"])
    _tell_lead(procedure, submission, "withdrawn")
    return submission


def _tell_lead(procedure: AwardProcedure, submission: SealedSubmission, what: str) -> None:
    """The lead hears that a sealed bid moved, never what it holds."""
    event = SealedSubmission.history.filter(id=submission.pk).count()
    notify(recipient=procedure.lead, kind="bid_received", key=f"sealed:{submission.pk}:{event}",
           subject=f"{procedure.reference}: a sealed bid was {what}"[:200],
           body=(f"The bid of {submission.bid.vendor} was {what} through the bidders' portal at "
                 f"{date_format(timezone.localtime(), 'j M Y H:i')}. It stays sealed until the bid opening; "
                 "nobody can read it before then."),
           url=procedure.get_absolute_url())
