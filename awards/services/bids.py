"""Writes on bids: invitation (with the tier's obligations), decline, submission, late decisions, documents."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from awards.models import AwardProcedure, Bid, ProposalDocument
from awards.models.procedure import Stage, Submission
from awards.models.waivers import WaiverKind
from awards.policies import bid_policy, procedure_policy
from awards.selectors.knockouts import failed_knockout_sentence, failed_knockouts
from awards.selectors.timeline import proposals_closed
from awards.selectors.waivers import waivers_for
from awards.services._common import clean_reason, lock_procedure, locked, require_stage
from awards.transitions import BID_LABELS, BID_STATUSES, LEAD_BID_DECISIONS
from awards.uploads import fingerprint_upload
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_save
from procurement.statemachine import ensure_transition
from vendors.models import Vendor

INVITING_STAGES = (Stage.DRAFT, Stage.REQUIREMENTS, Stage.RFP_ISSUED)
RECEIVING_STAGES = (Stage.RFP_ISSUED, Stage.EVALUATION)
DECIDING_STAGES = (Stage.EVALUATION, Stage.SHORTLIST)
SEALED_REFUSAL = ("{reference} receives proposals sealed through the bidders' portal: they arrive from the bidders "
                  "themselves and are opened at the bid opening, so they cannot be recorded or uploaded here.")


def _refuse_portal(procedure: AwardProcedure) -> None:
    """The lead never stores a portal procedure's proposals: that would let content in before the opening."""
    if procedure.submission == Submission.PORTAL:
        raise DomainError(SEALED_REFUSAL.format(reference=procedure.reference))


def _obligations(vendor: Vendor, procedure: AwardProcedure):
    """The vendor's tier's obligations under the due-diligence plans the procedure is pinned to (issue 21)."""
    from vendors.selectors import tier_obligations

    return tier_obligations(vendor.tier, pins=procedure.policy_versions or {})


def _move(bid: Bid, target: str) -> None:
    ensure_transition(BID_STATUSES, bid.status, target, labels=BID_LABELS, subject=f"The bid of {bid.vendor}")
    bid.status = target


@transaction.atomic
def bid_invite(*, actor, procedure: AwardProcedure, vendor: Vendor) -> Bid:
    """Invite a registered vendor. The tier and obligations of this day are recorded on the bid for the history;
    what the bid owes is always read from the vendor's current tier (awards.selectors.bid_obligations).

    An untiered vendor gets the strictest (critical) obligations, as vendors.selectors.tier_obligations decides.
    """
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    require_stage(procedure, INVITING_STAGES, "invite vendors")
    if vendor.status == Vendor.Status.EXITED:
        raise ValidationError({"vendor": f"{vendor} has exited; it cannot be invited."})
    if Bid.objects.filter(procedure=procedure, vendor=vendor).exists():
        raise ValidationError({"vendor": f"{vendor} is already invited to this procedure."})
    obligations = _obligations(vendor, procedure)
    bid = Bid(procedure=procedure, vendor=vendor, invited_by=actor, invited_at=timezone.now(),
              vendor_tier=vendor.tier, pov_required=bool(obligations.pov_required),
              references_required=obligations.references_required,
              independent_references_required=obligations.independent_references_required)
    bid.full_clean()
    tier = vendor.get_tier_display() if vendor.tier else "untiered, so the strictest plan applies"
    attribute(bid, actor=actor, reason=f"Invited ({tier})")
    try:
        with transaction.atomic():
            bid.save()
    except IntegrityError:
        raise ValidationError({"vendor": f"{vendor} is already invited to this procedure."}) from None
    return bid


@transaction.atomic
def bids_invite(*, actor, procedure: AwardProcedure, vendors) -> list[Bid]:
    """Invite several registered vendors in one go: every one under bid_invite's rules, all or none.

    A refusal names the vendor it concerns (`{"vendor": "<vendor>: <why>"}`, the field of the one-vendor
    service) and nothing is saved.
    """
    vendors = list(dict.fromkeys(vendors))  # once each, in the order given
    if not vendors:
        raise ValidationError({"vendor": "Choose at least one vendor to invite."})
    bids = []
    for vendor in vendors:
        try:
            bids.append(bid_invite(actor=actor, procedure=procedure, vendor=vendor))
        except ValidationError as exc:
            raise ValidationError({"vendor": [message if str(vendor) in message else f"{vendor}: {message}"
                                               for message in exc.messages]}) from None
    return bids


@transaction.atomic
def bid_decline(*, actor, bid: Bid, reason: str) -> Bid:
    procedure = lock_procedure(bid.procedure_id)
    bid = locked(Bid, bid.pk)
    require(actor, bid_policy, "edit", bid)
    reason = clean_reason(reason)
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is closed.")
    _move(bid, Bid.Status.DECLINED)
    bid.status_reason = reason
    attribute(bid, actor=actor, reason=f"Declined: {reason}")
    bid.save(update_fields=["status", "status_reason", "updated_at"])
    return bid


@transaction.atomic
def bid_record_submission(*, actor, bid: Bid) -> Bid:
    """Record that the proposal was received now (server time). After the due date it is flagged late."""
    procedure = lock_procedure(bid.procedure_id)
    bid = locked(Bid, bid.pk)
    require(actor, bid_policy, "edit", bid)
    _refuse_portal(procedure)
    require_stage(procedure, RECEIVING_STAGES, "record proposals")
    if not bid.documents.exists():
        raise DomainError("Upload at least one proposal document before recording the submission.")
    _move(bid, Bid.Status.SUBMITTED)
    now = timezone.now()
    bid.submitted_at = now
    late = proposals_closed(procedure, now)  # the one definition of the deadline
    bid.late_decision = Bid.LateDecision.PENDING if late else Bid.LateDecision.NOT_LATE
    attribute(bid, actor=actor, reason="Proposal received after the deadline" if late else "Proposal received")
    bid.save(update_fields=["status", "submitted_at", "late_decision", "updated_at"])
    return bid


def late_bid_waiver(bid: Bid):
    """The waiver that lets this late bid in: a late-bid waiver of its procedure whose subject is blank (every
    late bid) or names the vendor (its legal or trading name, in any case); None when there is none."""
    names = {name.strip().casefold() for name in (bid.vendor.legal_name, bid.vendor.trading_name) if name.strip()}
    return next((waiver for waiver in waivers_for(bid.procedure_id, WaiverKind.LATE_BID)
                 if not waiver.subject.strip() or waiver.subject.strip().casefold() in names), None)


@transaction.atomic
def bid_decide_late(*, actor, bid: Bid, admit: bool, reason: str) -> Bid:
    """Admit or reject a late bid; a rejected late bid is knocked out with the reason. Admitting one is setting a
    rule aside, so it needs a late-bid waiver recorded for the procedure by someone the waiver policy allows
    (issue 17): a proposal that arrived after the due date never takes part on the lead's word alone.

    A sealed (portal) late bid is opened only here, once admitted (awards.services.opening.late_submission_open);
    a rejected one is never opened."""
    procedure = lock_procedure(bid.procedure_id)
    bid = locked(Bid, bid.pk)
    require(actor, bid_policy, "edit", bid)
    reason = clean_reason(reason)
    if bid.late_decision != Bid.LateDecision.PENDING:
        raise DomainError(f"The bid of {bid.vendor} has no late submission awaiting a decision.")
    waiver = late_bid_waiver(bid) if admit else None
    if admit and waiver is None:
        raise DomainError(f"The proposal of {bid.vendor} arrived after the due date; it is admitted only with a "
                          "late-bid waiver recorded for this procedure (its subject the vendor's name, or blank) "
                          "by someone other than you. None is recorded: ask for one on the procedure's waivers "
                          "page, or reject the bid.")
    if procedure.submission == Submission.PORTAL:
        from awards.services.opening import late_submission_keep_sealed, late_submission_open

        if admit:
            late_submission_open(actor=actor, bid=bid)
            bid.refresh_from_db()
        else:
            late_submission_keep_sealed(actor=actor, bid=bid)
    bid.late_decision = Bid.LateDecision.ADMITTED if admit else Bid.LateDecision.REJECTED
    bid.late_decision_reason = reason
    bid.late_decided_by = actor
    fields = ["late_decision", "late_decision_reason", "late_decided_by", "updated_at"]
    if not admit:
        _move(bid, Bid.Status.KNOCKED_OUT)
        bid.status_reason = f"Late bid rejected: {reason}"
        fields += ["status", "status_reason"]
    attribute(bid, actor=actor, reason=(f"Late bid admitted under waiver {waiver.pk}: " if admit
                                        else "Late bid rejected: ") + reason)
    bid.save(update_fields=fields)
    return bid


@transaction.atomic
def bid_decide(*, actor, bid: Bid, status: str, reason: str) -> Bid:
    """Shortlist or knock out an admitted bid during evaluation. A bid with a knockout confirmed as failed is never
    shortlisted (and so never awarded: only a shortlisted bid can be)."""
    procedure = lock_procedure(bid.procedure_id)
    bid = locked(Bid, bid.pk)
    require(actor, bid_policy, "edit", bid)
    reason = clean_reason(reason)
    if status not in LEAD_BID_DECISIONS:
        raise DomainError("A bid can be shortlisted or knocked out here; award follows the decision memo.")
    require_stage(procedure, DECIDING_STAGES, "shortlist or knock out bids")
    if not bid.is_admitted:
        raise DomainError(f"The bid of {bid.vendor} is not admitted to the evaluation.")
    if status == Bid.Status.SHORTLISTED:
        failed = failed_knockouts(bid)
        if failed:
            raise DomainError(f"The bid of {bid.vendor} {failed_knockout_sentence(failed)}; a bid that fails a "
                              "knockout cannot be shortlisted or awarded. Knock it out instead.")
    _move(bid, status)
    bid.status_reason = reason
    attribute(bid, actor=actor, reason=f"{BID_LABELS[status]}: {reason}")
    bid.save(update_fields=["status", "status_reason", "updated_at"])
    return bid


@transaction.atomic
def proposal_document_add(*, actor, bid: Bid, title: str, upload) -> ProposalDocument:
    """Store a proposal file pinned by its server-side sha256, size and content type."""
    procedure = lock_procedure(bid.procedure_id)
    bid = locked(Bid, bid.pk)
    require(actor, bid_policy, "edit", bid)
    _refuse_portal(procedure)
    require_stage(procedure, RECEIVING_STAGES, "receive proposal documents")
    if bid.status not in (Bid.Status.INVITED, Bid.Status.SUBMITTED):
        raise DomainError(f"The bid of {bid.vendor} is {bid.get_status_display()}; it takes no more documents.")
    if bid.submitted_at is not None:
        raise DomainError("The submission is already recorded; the proposal documents are fixed.")
    if not (title or "").strip():
        raise ValidationError({"title": "Give the document a title."})
    fingerprint = fingerprint_upload(upload)
    if ProposalDocument.objects.filter(bid=bid, sha256=fingerprint.sha256).exists():
        raise ValidationError({"file": "This exact file is already stored for this bid."})
    document = ProposalDocument(bid=bid, title=title.strip(), original_name=fingerprint.original_name,
                                sha256=fingerprint.sha256, size=fingerprint.size,
                                content_type=fingerprint.content_type, uploaded_by=actor)
    document.file.save(fingerprint.sha256, upload, save=False)
    try:
        model_save(document, actor=actor, reason="Proposal document stored")
    except Exception:
        document.file.delete(save=False)
        raise
    return document
