"""Sealed bids, the bidder's side (awards.services.sealed): add, replace, remove, price schedule, submit, withdraw;
the deadline and late bids; who may do it; nothing half-saved on bad input."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards import services
from awards.models import ProposalDocument, SealedItem, SealedSubmission, SealingKey
from awards.selectors.timeline import proposals_closed, proposals_deadline
from awards.services.sealed import receipt_hash
from procurement.exceptions import DomainError
from procurement.notifications.models import Notification
from tests.factories.awards import BidFactory
from tests.factories.sealed import SCHEDULE, assumption, bid_with_bidder, open_portal_procedure, pass_deadline, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    procedure = open_portal_procedure()
    bid, bidder = bid_with_bidder(procedure, "bea")
    return procedure, bid, bidder


def _stored_bytes(item) -> bytes:
    with item.blob.open("rb") as handle:
        return handle.read()


def test_a_file_is_sealed_on_arrival_with_only_its_size_and_hash_in_the_clear(world):
    procedure, bid, bidder = world
    upload = pdf(body=b"Our answer to requirement R1")

    item = services.sealed_document_add(actor=bidder, bid=bid, title="Technical proposal", upload=upload)

    stored = _stored_bytes(item)
    assert b"requirement R1" not in stored and b"%PDF" not in stored
    assert "Technical proposal" not in item.envelope and "proposal.pdf" not in item.envelope
    assert item.kind == SealedItem.Kind.DOCUMENT and item.size == upload.size and len(item.sha256) == 64
    assert item.blob.name.startswith(f"awards/sealed/{procedure.pk}/") and "proposal" not in item.blob.name
    assert SealingKey.objects.get(procedure=procedure).released_at is None
    assert item.history.first().history_user == bidder
    assert bid.sealed.status == SealedSubmission.Status.DRAFT
    assert not ProposalDocument.objects.filter(bid=bid).exists()


def test_submitting_gives_a_receipt_at_server_time_and_tells_the_lead_without_content(world):
    procedure, bid, bidder = world
    item = services.sealed_document_add(actor=bidder, bid=bid, title="Secret title", upload=pdf())
    before = timezone.now()

    submission = services.sealed_submit(actor=bidder, bid=bid)

    assert submission.status == SealedSubmission.Status.SUBMITTED and not submission.late
    assert before <= submission.submitted_at <= timezone.now() and submission.submitted_by == bidder
    assert submission.receipt_hash == receipt_hash(submission, [item])
    assert submission.history.first().history_change_reason.startswith("Submitted, sealed; receipt ")
    bid.refresh_from_db()
    assert bid.status == "invited" and bid.submitted_at is None  # received only at the opening
    note = Notification.objects.get(recipient=procedure.lead, kind="bid_received")
    assert "Secret title" not in note.body + note.subject and "proposal.pdf" not in note.body


def test_submitting_needs_a_file(world):
    _, bid, bidder = world

    with pytest.raises(DomainError, match="at least one proposal file"):
        services.sealed_submit(actor=bidder, bid=bid)


def test_a_procedure_with_volume_assumptions_needs_a_price_schedule(world):
    procedure, bid, bidder = world
    assumption(procedure)
    services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())

    with pytest.raises(DomainError, match="price schedule"):
        services.sealed_submit(actor=bidder, bid=bid)
    services.sealed_price_schedule_save(actor=bidder, bid=bid, schedule=SCHEDULE)

    assert services.sealed_submit(actor=bidder, bid=bid).status == SealedSubmission.Status.SUBMITTED


def test_a_price_schedule_is_salted_validated_and_replaced(world):
    _, bid, bidder = world
    first = services.sealed_price_schedule_save(actor=bidder, bid=bid, schedule=SCHEDULE)
    second = services.sealed_price_schedule_save(actor=bidder, bid=bid, schedule=SCHEDULE)

    assert first.sha256 != second.sha256  # the salt: the same prices do not give a guessable hash
    first.refresh_from_db()
    assert first.removed_at is not None and second.removed_at is None
    assert b"12000" not in _stored_bytes(second)
    with pytest.raises(ValidationError):
        services.sealed_price_schedule_save(actor=bidder, bid=bid, schedule={"currency": "E", "lines": []})
    assert SealedItem.objects.filter(submission__bid=bid).count() == 2


def test_a_change_after_submitting_takes_the_bid_back_to_being_prepared(world):
    _, bid, bidder = world
    first = services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
    services.sealed_submit(actor=bidder, bid=bid)

    replacement = services.sealed_document_replace(actor=bidder, item=first, title="Proposal v2",
                                                   upload=pdf(body=b"version 2"))

    submission = SealedSubmission.objects.get(bid=bid)
    assert submission.status == SealedSubmission.Status.DRAFT and submission.receipt_hash == ""
    assert submission.history.first().history_change_reason.startswith("Back to being prepared")
    first.refresh_from_db()
    assert first.removed_at is not None and replacement.removed_at is None
    resubmitted = services.sealed_submit(actor=bidder, bid=bid)
    assert resubmitted.receipt_hash == receipt_hash(resubmitted, [replacement])


def test_removing_the_last_file_is_allowed_but_then_nothing_can_be_submitted(world):
    _, bid, bidder = world
    item = services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())

    services.sealed_item_remove(actor=bidder, item=item)

    with pytest.raises(DomainError):
        services.sealed_item_remove(actor=bidder, item=item)
    with pytest.raises(DomainError):
        services.sealed_submit(actor=bidder, bid=bid)


def test_withdrawing_needs_a_reason_and_a_submitted_bid_and_may_be_undone_before_the_deadline(world):
    procedure, bid, bidder = world
    services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
    with pytest.raises(DomainError):
        services.sealed_withdraw(actor=bidder, bid=bid, reason="Changed our mind")
    services.sealed_submit(actor=bidder, bid=bid)
    with pytest.raises(ValidationError):
        services.sealed_withdraw(actor=bidder, bid=bid, reason="  ")

    submission = services.sealed_withdraw(actor=bidder, bid=bid, reason="We cannot meet the hosting requirement")

    assert submission.status == SealedSubmission.Status.WITHDRAWN
    assert submission.history.first().history_change_reason.startswith("Withdrawn by the bidder: We cannot")
    assert Notification.objects.filter(recipient=procedure.lead, kind="bid_received").count() == 2
    assert services.sealed_submit(actor=bidder, bid=bid).status == SealedSubmission.Status.SUBMITTED


def test_the_same_file_twice_is_refused_and_bad_files_save_nothing(world, settings):
    _, bid, bidder = world
    services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
    settings.BATON_SEALED_MAX_BYTES = 100

    with pytest.raises(ValidationError, match="already in your bid"):
        services.sealed_document_add(actor=bidder, bid=bid, title="Again", upload=pdf())
    with pytest.raises(ValidationError) as refused:
        services.sealed_document_add(actor=bidder, bid=bid, title="Big", upload=pdf(body=b"x" * 200))
    assert "too large" in str(refused.value)
    with pytest.raises(ValidationError):
        services.sealed_document_add(actor=bidder, bid=bid, title="Exe", upload=SimpleUploadedFile(
            "tool.pdf", b"MZ\x90\x00\x03" + b"\x00" * 20))
    with pytest.raises(ValidationError):
        services.sealed_document_add(actor=bidder, bid=bid, title="   ", upload=pdf(body=b"other"))
    assert SealedItem.objects.filter(submission__bid=bid).count() == 1


def test_proposals_deadline_is_the_end_of_the_due_day_in_the_sites_time_zone(world, settings):
    procedure, _, _ = world
    deadline = proposals_deadline(procedure)

    assert str(deadline.tzinfo) == settings.TIME_ZONE
    assert deadline.date() == procedure.proposals_due + timedelta(days=1) and deadline.hour == 0
    assert not proposals_closed(procedure, deadline - timedelta(seconds=1))
    assert proposals_closed(procedure, deadline)


def test_after_the_deadline_a_submitted_bid_is_final(world):
    procedure, bid, bidder = world
    item = services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
    services.sealed_submit(actor=bidder, bid=bid)
    pass_deadline(procedure)

    for attempt in (lambda: services.sealed_item_remove(actor=bidder, item=item),
                    lambda: services.sealed_withdraw(actor=bidder, bid=bid, reason="Too late"),
                    lambda: services.sealed_document_add(actor=bidder, bid=bid, title="More", upload=pdf(b"2"))):
        with pytest.raises(DomainError, match="is final"):
            attempt()


def test_late_bids_are_refused_when_the_policy_says_so(world, settings):
    procedure, bid, bidder = world
    settings.BATON_LATE_BIDS = "refuse"
    pass_deadline(procedure)

    with pytest.raises(DomainError, match="does not accept late bids"):
        services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
    assert not SealedItem.objects.exists()


def test_late_bids_are_recorded_as_late_when_the_policy_allows(world, settings):
    procedure, bid, bidder = world
    settings.BATON_LATE_BIDS = "record"
    pass_deadline(procedure)
    services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())

    submission = services.sealed_submit(actor=bidder, bid=bid)

    assert submission.late and submission.status == SealedSubmission.Status.SUBMITTED
    note = Notification.objects.get(recipient=procedure.lead, kind="bid_received")
    assert "late" in note.subject
    with pytest.raises(DomainError):
        services.sealed_withdraw(actor=bidder, bid=bid, reason="Oops")


def test_only_the_bids_own_active_bidders_may_touch_it(world):
    procedure, bid, bidder = world
    other_bid, other_bidder = bid_with_bidder(procedure, "olga")
    item = services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
    inactive = bid_with_bidder(procedure)[1]
    inactive.is_active = False
    inactive.save()

    for actor in (other_bidder, procedure.lead, inactive):
        with pytest.raises(PermissionDenied):
            services.sealed_document_add(actor=actor, bid=bid, title="Mine", upload=pdf(body=b"other"))
        with pytest.raises(PermissionDenied):
            services.sealed_item_remove(actor=actor, item=item)
        with pytest.raises(PermissionDenied):
            services.sealed_submit(actor=actor, bid=bid)
    assert SealedItem.objects.filter(submission__bid=bid).count() == 1
    assert not SealedItem.objects.filter(submission__bid=other_bid).exists()


def test_a_recorded_procedure_takes_no_sealed_bids_and_a_portal_one_no_recorded_proposals(world):
    procedure, bid, bidder = world
    recorded = BidFactory(procedure__stage="rfp_issued")
    from tests.factories.portal import bidder_for

    recorded_bidder = bidder_for(recorded)
    with pytest.raises(DomainError, match="does not take bids through the portal"):
        services.sealed_document_add(actor=recorded_bidder, bid=recorded, title="Proposal", upload=pdf())
    with pytest.raises(DomainError, match="sealed through the bidders' portal"):
        services.proposal_document_add(actor=procedure.lead, bid=bid, title="Proposal", upload=pdf())
    with pytest.raises(DomainError, match="sealed through the bidders' portal"):
        services.bid_record_submission(actor=procedure.lead, bid=bid)
