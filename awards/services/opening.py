"""The bid opening (issue 20): the one code path that unwraps a procedure's sealing key and opens sealed bids.

1. After proposals-due (awards.selectors.timeline.proposals_deadline) the procedure's lead starts the opening and
   names exactly BATON_BID_OPENING_WITNESSES distinct, active staff people who can see the procedure (the lead may
   be one of them). Each is told ("bid_opening").
2. Each witness confirms their presence under their own sign-in. The last confirmation opens the bids, in the
   same transaction: every on-time submitted bid is decrypted item by item, each item's sha256 checked against the
   one on the bidder's receipt, and copied into the ordinary records (ProposalDocument, PriceLine); the bid
   becomes Submitted with its receipt time. A late bid stays sealed (the bid becomes Submitted, late, decision
   pending); a withdrawn bid and a bid never submitted are not opened. Every bid gets a line in the opening
   record (OpeningEntry), whose sha256 is kept on the opening.
3. Every bidder is told (a BidderNotice, kind "opening"): when the bids were opened, and what was received from
   them with its hashes. A notice never names another bidder or says anything of another bid: Baton's procedures
   are invitation-only, and who else was invited is not the bidders' business.

A late bid is opened only by `late_submission_open`, which awards.services.bids.bid_decide_late calls when it
admits the bid under a late-bid waiver. A late bid that is rejected is never opened (its submission is kept
unopened).
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from awards.models import (
    AwardProcedure,
    Bid,
    BidOpening,
    OpeningEntry,
    OpeningWitness,
    ProposalDocument,
    SealedItem,
    SealedSubmission,
    SealingKey,
)
from awards.models.procedure import Stage, Submission
from awards.policies import procedure_policy
from awards.sealing import SealBroken, context_for, unseal
from awards.selectors.timeline import proposals_closed, proposals_deadline
from awards.services._common import lock_procedure, locked
from awards.services.bidder_notices import bidder_notice_publish
from awards.services.price import price_lines_from_schedule
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.notifications.services import notify
from procurement.services import model_save

OPENING_STAGES = (Stage.RFP_ISSUED, Stage.EVALUATION)


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "j M Y H:i")


# --- starting ----------------------------------------------------------------------------------------------------


def _check_witnesses(procedure: AwardProcedure, witnesses) -> list:
    required = int(settings.BATON_BID_OPENING_WITNESSES)
    people = list(witnesses or [])
    if len({person.pk for person in people}) != len(people):
        raise ValidationError({"witnesses": "Name each witness once: the same person cannot count twice."})
    if len(people) != required:
        raise ValidationError({"witnesses": f"Name exactly {required} witness{'es' if required != 1 else ''} "
                                            f"(you named {len(people)})."})
    for person in people:
        if not person.is_active:
            raise ValidationError({"witnesses": f"{person} has no active account and cannot witness."})
        if getattr(person, "is_bidder", False):
            raise ValidationError({"witnesses": f"{person} is a bidder's contact and cannot witness."})
        if not procedure_policy.can(person, "view", procedure):
            raise ValidationError({"witnesses": f"{person} cannot see {procedure.reference}; a witness must be "
                                                "someone who can."})
    return people


@transaction.atomic
def bid_opening_start(*, actor, procedure: AwardProcedure, witnesses) -> BidOpening:
    """Start the opening of a portal procedure's sealed bids after proposals-due, naming the witnesses."""
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    if procedure.submission != Submission.PORTAL:
        raise DomainError(f"{procedure.reference} receives its proposals outside Baton; there are no sealed bids "
                          "to open.")
    if procedure.stage not in OPENING_STAGES:
        raise DomainError(f"Bids are opened while the procedure is RFP issued or in Evaluation; "
                          f"{procedure.reference} is {procedure.get_stage_display()}.")
    if not proposals_closed(procedure):
        deadline = proposals_deadline(procedure)
        when = f"after {_when(deadline)}" if deadline else "once proposals-due is set and has passed"
        raise DomainError(f"The bids of {procedure.reference} can be opened only after the deadline: {when}.")
    if BidOpening.objects.filter(procedure=procedure).exists():
        raise DomainError(f"The opening of {procedure.reference} has already been started.")
    people = _check_witnesses(procedure, witnesses)
    opening = BidOpening(procedure=procedure, witnesses_required=len(people), started_by=actor)
    model_save(opening, actor=actor, reason=f"Bid opening started with {len(people)} named witnesses")
    url = opening_url(procedure)
    for person in people:
        witness = OpeningWitness(opening=opening, person=person, named_by=actor)
        model_save(witness, actor=actor, reason=f"Named as a witness of the bid opening: {person}")
        notify(recipient=person, kind="bid_opening", key=f"bid_opening:{opening.pk}:{person.pk}",
               subject=f"{procedure.reference}: you are a witness of the bid opening",
               body=(f"{actor} named you as a witness of the opening of the sealed bids for {procedure.reference} "
                     f"{procedure.title}. The bids are opened once every witness has confirmed their presence "
                     "on the opening page, each under their own sign-in."), url=url)
    return opening


def opening_url(procedure) -> str:
    from django.urls import reverse

    return reverse("awards:opening", args=[procedure.reference])


# --- confirming and opening ----------------------------------------------------------------------------------------


@transaction.atomic
def opening_witness_confirm(*, actor, opening: BidOpening) -> BidOpening:
    """A named witness confirms their presence. The last confirmation opens the bids in this transaction."""
    procedure = lock_procedure(opening.procedure_id)
    opening = locked(BidOpening, opening.pk)
    if not getattr(actor, "is_active", False):
        raise PermissionDenied("Your account is not active.")
    witness = OpeningWitness.objects.select_for_update().filter(opening=opening, person=actor).first()
    if witness is None:
        raise PermissionDenied("Only a witness named for this opening can confirm it.")
    if opening.status == BidOpening.Status.OPENED:
        raise DomainError("The bids have already been opened.")
    if witness.confirmed_at is not None:
        raise DomainError("You have already confirmed your presence; the opening waits for the other witnesses.")
    witness.confirmed_at = timezone.now()
    attribute(witness, actor=actor, reason="Presence at the bid opening confirmed")
    witness.save(update_fields=["confirmed_at"])
    if not opening.witnesses.filter(confirmed_at__isnull=True).exists():
        _open(actor, procedure, opening)
    return opening


def _read_item(key: SealingKey, procedure_id: int, item: SealedItem) -> tuple[bytes | None, dict, str]:
    """(plaintext, meta, problem): the plaintext only when it opened and matches its receipt sha256."""
    try:
        with item.blob.open("rb") as handle:
            ciphertext = handle.read()
        plaintext, meta = unseal(key.wrapped_private_key, ciphertext, item.envelope,
                                 context=context_for(procedure_id, item.kind))
    except (SealBroken, OSError) as exc:
        return None, {}, str(exc) if isinstance(exc, SealBroken) else "The sealed file is missing from storage."
    if hashlib.sha256(plaintext).hexdigest() != item.sha256 or len(plaintext) != item.size:
        return None, meta, "The opened content does not match the sha256 on the bidder's receipt."
    return plaintext, meta, ""


def _open_items(actor, bid: Bid, submission: SealedSubmission, key: SealingKey | None) -> list[dict]:
    """Decrypt a submission's live items into the bid's records; the files list of its opening entry."""
    files = []
    for item in submission.items.filter(removed_at__isnull=True).select_related("added_by").order_by("added_at",
                                                                                                     "pk"):
        plaintext, meta, problem = (None, {}, "The procedure has no sealing key.") if key is None else \
            _read_item(key, bid.procedure_id, item)
        entry = {"kind": item.kind, "title": meta.get("title", ""), "original_name": meta.get("original_name", ""),
                 "sha256": item.sha256, "size": item.size, "verified": plaintext is not None}
        if plaintext is not None:
            try:
                with transaction.atomic():
                    if item.kind == SealedItem.Kind.DOCUMENT:
                        _to_document(item, bid, plaintext, meta)
                    else:
                        schedule = json.loads(plaintext)
                        schedule.pop("salt", None)
                        price_lines_from_schedule(actor=item.added_by, bid=bid, schedule=schedule)
            except ValidationError as exc:
                problem = "Opened and verified, but it could not be recorded: " + " ".join(exc.messages)
        if problem:
            entry["problem"] = problem
        files.append(entry)
    return files


def _to_document(item: SealedItem, bid: Bid, plaintext: bytes, meta: dict) -> ProposalDocument:
    document = ProposalDocument(bid=bid, title=str(meta.get("title") or "Untitled")[:200],
                                original_name=str(meta.get("original_name") or "file")[:255], sha256=item.sha256,
                                size=item.size, content_type=str(meta.get("content_type") or "")[:100],
                                uploaded_by=item.added_by)
    document.file.save(item.sha256, ContentFile(plaintext), save=False)
    try:
        model_save(document, actor=item.added_by, reason="Proposal document opened at the bid opening")
    except Exception:
        document.file.delete(save=False)
        raise
    item.opened_document = document
    attribute(item, actor=item.added_by, reason="Opened at the bid opening")
    item.save(update_fields=["opened_document"])
    return document


def _receive(actor, bid: Bid, submission: SealedSubmission, *, late: bool) -> None:
    """The bid becomes Submitted at its receipt time (a late one with its decision pending)."""
    from awards.services.bids import _move

    _move(bid, Bid.Status.SUBMITTED)
    bid.submitted_at = submission.submitted_at
    bid.late_decision = Bid.LateDecision.PENDING if late else Bid.LateDecision.NOT_LATE
    attribute(bid, actor=actor, reason=("Sealed bid received after the deadline: kept sealed until a decision"
                                        if late else "Sealed bid opened at the bid opening"))
    bid.save(update_fields=["status", "submitted_at", "late_decision", "updated_at"])


def record_payload(opening: BidOpening) -> dict:
    """The opening record as data: what `record_hash` is the sha256 of."""
    return {
        "procedure": opening.procedure.reference,
        "opened_at": opening.opened_at.isoformat() if opening.opened_at else None,
        "witnesses": [[w.person.username, w.confirmed_at.isoformat() if w.confirmed_at else None]
                      for w in opening.witnesses.select_related("person").order_by("pk")],
        "entries": [[e.bid_id, e.bid.vendor.legal_name, e.outcome,
                     e.received_at.isoformat() if e.received_at else None, e.files]
                    for e in opening.entries.select_related("bid__vendor").order_by("pk")],
    }


def record_hash_of(opening: BidOpening) -> str:
    return hashlib.sha256(json.dumps(record_payload(opening), sort_keys=True).encode()).hexdigest()


def _open(actor, procedure: AwardProcedure, opening: BidOpening) -> None:
    now = timezone.now()
    key = SealingKey.objects.select_for_update().filter(procedure=procedure).first()
    bids = list(Bid.objects.select_for_update().filter(procedure=procedure).select_related("vendor")
                .order_by("vendor__legal_name", "pk"))
    for bid in bids:
        submission = SealedSubmission.objects.select_for_update().filter(bid=bid).first()
        status = submission.status if submission else None
        entry = OpeningEntry(opening=opening, bid=bid)
        if status == SealedSubmission.Status.SUBMITTED and bid.status != Bid.Status.INVITED:
            # Declined (or otherwise closed) after sending a sealed bid: it is never opened.
            entry.outcome = OpeningEntry.Outcome.NOT_SUBMITTED
            submission.status = SealedSubmission.Status.UNOPENED
            attribute(submission, actor=actor, reason=f"Not opened: the bid is {bid.get_status_display().lower()}")
            submission.save(update_fields=["status", "updated_at"])
        elif status == SealedSubmission.Status.SUBMITTED and not submission.late:
            entry.files = _open_items(actor, bid, submission, key)  # the price currency: the bidder's word
            _receive(actor, bid, submission, late=False)  # received: the opener's act, the bid's last history row
            entry.outcome, entry.received_at = OpeningEntry.Outcome.OPENED, submission.submitted_at
            entry.opened_at = now
            submission.status, submission.opened_at = SealedSubmission.Status.OPENED, now
            attribute(submission, actor=actor, reason="Opened at the bid opening")
            submission.save(update_fields=["status", "opened_at", "updated_at"])
        elif status == SealedSubmission.Status.SUBMITTED:
            _receive(actor, bid, submission, late=True)
            entry.outcome, entry.received_at = OpeningEntry.Outcome.LATE_UNOPENED, submission.submitted_at
            entry.files = _sealed_files(submission)
        elif status == SealedSubmission.Status.WITHDRAWN:
            entry.outcome = OpeningEntry.Outcome.WITHDRAWN
        else:
            entry.outcome = OpeningEntry.Outcome.NOT_SUBMITTED
        model_save(entry, actor=actor, reason=f"Opening record: {entry.get_outcome_display()}"[:100])
    opening.status, opening.opened_at = BidOpening.Status.OPENED, now
    opening.record_hash = record_hash_of(opening)
    attribute(opening, actor=actor, reason=f"Bids opened; record {opening.record_hash[:16]}")
    opening.save(update_fields=["status", "opened_at", "record_hash", "updated_at"])
    if key is not None and key.released_at is None:
        key.released_at = now
        attribute(key, actor=actor, reason="Sealing key released at the bid opening")
        key.save(update_fields=["released_at"])
    _tell_bidders(actor, procedure, opening)


def _sealed_files(submission: SealedSubmission) -> list[dict]:
    """What may be said of a bid still sealed: its items' kinds, sizes and sha256 (as on the bidder's receipt)."""
    return [{"kind": item.kind, "title": "", "original_name": "", "sha256": item.sha256, "size": item.size,
             "verified": False}
            for item in submission.items.filter(removed_at__isnull=True).order_by("added_at", "pk")]


def _notice_body(procedure, opening, entry: OpeningEntry) -> str:
    head = (f"The sealed bids for {procedure.reference} {procedure.title} were opened on {_when(opening.opened_at)} "
            f"in the presence of {opening.witnesses_required} named witness"
            f"{'es' if opening.witnesses_required != 1 else ''}.")
    if entry.outcome == OpeningEntry.Outcome.OPENED:
        lines = [f"- {f['title'] or f['kind']} ({f['original_name'] or 'price schedule'}): {f['size']} bytes, "
                 f"sha256 {f['sha256']} — {'matches your receipt' if f['verified'] else 'DID NOT VERIFY'}"
                 for f in entry.files]
        return "\n\n".join([head, f"Your bid was received on {_when(entry.received_at)} and opened. What was in it:",
                            "\n".join(lines)])
    if entry.outcome == OpeningEntry.Outcome.LATE_UNOPENED:
        return "\n\n".join([head, f"Your bid was received on {_when(entry.received_at)}, after the deadline. It has "
                                  "not been opened: it stays sealed until the procurement team decides whether to "
                                  "admit it. You will be told the decision."])
    if entry.outcome == OpeningEntry.Outcome.WITHDRAWN:
        return "\n\n".join([head, "You withdrew your bid before the deadline; it was not opened."])
    return "\n\n".join([head, "No bid was received from you by the deadline."])


def _tell_bidders(actor, procedure, opening) -> None:
    for entry in opening.entries.select_related("bid__vendor", "bid__procedure"):
        if entry.bid.status == Bid.Status.DECLINED:
            continue
        bidder_notice_publish(actor=actor, procedure=procedure, kind="opening",
                              subject=f"Bid opening of {procedure.reference}",
                              body=_notice_body(procedure, opening, entry), key=f"opening:{opening.pk}",
                              bids=[entry.bid])


# --- late bids -------------------------------------------------------------------------------------------------------


def late_submission_after_opening(*, submission: SealedSubmission) -> None:
    """A late bid submitted once the opening has happened: the bid is received at once (late, decision pending),
    still sealed, and its line in the opening record says so. Before the opening, the opening does this."""
    bid = submission.bid
    opening = BidOpening.objects.filter(procedure_id=bid.procedure_id, status=BidOpening.Status.OPENED).first()
    if opening is None:
        return
    _receive(submission.submitted_by, bid, submission, late=True)
    entry = OpeningEntry.objects.filter(opening=opening, bid=bid).first() or OpeningEntry(opening=opening, bid=bid)
    entry.outcome, entry.received_at = OpeningEntry.Outcome.LATE_UNOPENED, submission.submitted_at
    entry.files = _sealed_files(submission)
    model_save(entry, actor=submission.submitted_by, reason="Late bid received after the opening; kept sealed")


@transaction.atomic
def late_submission_open(*, actor, bid: Bid) -> OpeningEntry:
    """Open an admitted late bid (called by bid_decide_late once the waiver is found, in its transaction)."""
    from awards.policies import bid_policy

    require(actor, bid_policy, "edit", bid)
    submission = SealedSubmission.objects.select_for_update().filter(bid=bid).first()
    if submission is None or submission.status != SealedSubmission.Status.SUBMITTED or not submission.late:
        raise DomainError(f"The bid of {bid.vendor} has no sealed late submission to open.")
    opening = BidOpening.objects.filter(procedure_id=bid.procedure_id, status=BidOpening.Status.OPENED).first()
    if opening is None:
        raise DomainError("A late bid is opened only after the bid opening has taken place.")
    key = SealingKey.objects.filter(procedure_id=bid.procedure_id).first()
    now = timezone.now()
    entry = OpeningEntry.objects.filter(opening=opening, bid=bid).first() or OpeningEntry(opening=opening, bid=bid)
    entry.files = _open_items(actor, bid, submission, key)
    entry.outcome, entry.received_at, entry.opened_at = OpeningEntry.Outcome.OPENED, submission.submitted_at, now
    model_save(entry, actor=actor, reason="Late bid admitted under a waiver and opened")
    submission.status, submission.opened_at = SealedSubmission.Status.OPENED, now
    attribute(submission, actor=actor, reason="Late bid admitted and opened")
    submission.save(update_fields=["status", "opened_at", "updated_at"])
    procedure = bid.procedure
    bidder_notice_publish(actor=actor, procedure=procedure, kind="late", subject=f"Your late bid for "
                          f"{procedure.reference} was admitted", key=f"late-admitted:{bid.pk}", bids=[bid],
                          body=(f"Your bid for {procedure.reference} arrived after the deadline. It was admitted "
                                f"and opened on {_when(now)}. What was in it:\n\n" + "\n".join(
                                    f"- {f['title'] or f['kind']}: {f['size']} bytes, sha256 {f['sha256']} — "
                                    f"{'matches your receipt' if f['verified'] else 'DID NOT VERIFY'}"
                                    for f in entry.files)))
    return entry


def late_submission_keep_sealed(*, actor, bid: Bid) -> None:
    """A rejected late bid is never opened: its submission is kept unopened."""
    submission = SealedSubmission.objects.select_for_update().filter(bid=bid).first()
    if submission is None or submission.status != SealedSubmission.Status.SUBMITTED:
        return
    submission.status = SealedSubmission.Status.UNOPENED
    attribute(submission, actor=actor, reason="Late bid rejected: kept unopened")
    submission.save(update_fields=["status", "updated_at"])
