"""The bid opening (awards.services.opening): witnesses, the opening record, hashes that match the files read
back from storage, ProposalDocument and PriceLine rows, late bids kept sealed until admitted under a waiver."""

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from awards import services
from awards.models import (
    BidderNotice,
    BidOpening,
    OpeningEntry,
    PriceLine,
    ProposalDocument,
    SealedSubmission,
    SealingKey,
)
from awards.services.opening import record_hash_of
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from procurement.notifications.models import Notification
from tests.factories.accounts import UserFactory
from tests.factories.sealed import (
    SCHEDULE,
    bid_with_bidder,
    open_portal_procedure,
    pass_deadline,
    pdf,
    witness,
)

pytestmark = pytest.mark.django_db

BODY = b"Our answer to every requirement"


@pytest.fixture
def world(settings):
    settings.BATON_BID_OPENING_WITNESSES = 2
    settings.BATON_LATE_BIDS = "record"
    procedure = open_portal_procedure()
    on_time, alice = bid_with_bidder(procedure, "alice")
    withdrawn, bob = bid_with_bidder(procedure, "bob")
    silent, _ = bid_with_bidder(procedure, "carol")
    late, dan = bid_with_bidder(procedure, "dan")
    services.sealed_document_add(actor=alice, bid=on_time, title="Technical proposal", upload=pdf(body=BODY))
    services.sealed_price_schedule_save(actor=alice, bid=on_time, schedule=SCHEDULE)
    services.sealed_submit(actor=alice, bid=on_time)
    services.sealed_document_add(actor=bob, bid=withdrawn, title="Proposal", upload=pdf(body=b"bob"))
    services.sealed_submit(actor=bob, bid=withdrawn)
    services.sealed_withdraw(actor=bob, bid=withdrawn, reason="We withdraw")
    services.sealed_document_add(actor=dan, bid=late, title="Late proposal", upload=pdf(body=b"dan late"))
    pass_deadline(procedure)
    services.sealed_submit(actor=dan, bid=late)
    return {"procedure": procedure, "on_time": on_time, "withdrawn": withdrawn, "silent": silent, "late": late,
            "alice": alice, "dan": dan, "witnesses": [procedure.lead, witness(procedure)]}


def _open(world):
    opening = services.bid_opening_start(actor=world["procedure"].lead, procedure=world["procedure"],
                                         witnesses=world["witnesses"])
    for person in world["witnesses"]:
        services.opening_witness_confirm(actor=person, opening=opening)
    opening.refresh_from_db()
    return opening


def test_the_opening_cannot_start_before_the_deadline(settings):
    procedure = open_portal_procedure()
    with pytest.raises(DomainError, match="only after the deadline"):
        services.bid_opening_start(actor=procedure.lead, procedure=procedure,
                                   witnesses=[procedure.lead, witness(procedure)])
    assert not BidOpening.objects.exists()


def test_witness_rules_wrong_count_same_person_twice_non_viewer_bidder_inactive(world):
    procedure, lead = world["procedure"], world["procedure"].lead
    stranger = UserFactory(roles=[Role.EVALUATOR])  # not assigned: cannot see the procedure
    gone = witness(procedure)
    gone.is_active = False
    gone.save()
    cases = [([lead], "exactly 2"), ([lead, lead], "once"), ([lead, stranger], "cannot see"),
             ([lead, world["alice"]], "bidder"), ([lead, gone], "no active account"),
             ([lead, witness(procedure), witness(procedure)], "exactly 2")]
    for people, message in cases:
        with pytest.raises(ValidationError, match=message):
            services.bid_opening_start(actor=lead, procedure=procedure, witnesses=people)
    assert not BidOpening.objects.exists()


def test_only_the_lead_starts_and_only_named_witnesses_confirm(world):
    procedure = world["procedure"]
    with pytest.raises(PermissionDenied):
        services.bid_opening_start(actor=world["witnesses"][1], procedure=procedure, witnesses=world["witnesses"])
    opening = services.bid_opening_start(actor=procedure.lead, procedure=procedure, witnesses=world["witnesses"])
    with pytest.raises(DomainError, match="already been started"):
        services.bid_opening_start(actor=procedure.lead, procedure=procedure, witnesses=world["witnesses"])

    for outsider in (witness(procedure), world["alice"]):
        with pytest.raises(PermissionDenied):
            services.opening_witness_confirm(actor=outsider, opening=opening)
    services.opening_witness_confirm(actor=procedure.lead, opening=opening)
    with pytest.raises(DomainError, match="already confirmed"):
        services.opening_witness_confirm(actor=procedure.lead, opening=opening)

    opening.refresh_from_db()
    assert opening.status == BidOpening.Status.WAITING
    assert not ProposalDocument.objects.exists() and SealingKey.objects.get().released_at is None
    told = Notification.objects.filter(kind="bid_opening").values_list("recipient", flat=True)
    assert set(told) == {person.pk for person in world["witnesses"]}


def test_the_last_witness_opens_the_bids_and_the_hashes_match_the_files_in_storage(world):
    opening = _open(world)
    on_time = world["on_time"]

    assert opening.status == BidOpening.Status.OPENED and opening.opened_at is not None
    assert opening.record_hash == record_hash_of(opening)
    assert SealingKey.objects.get().released_at == opening.opened_at
    document = ProposalDocument.objects.get(bid=on_time)
    with document.file.open("rb") as handle:
        stored = handle.read()
    assert BODY in stored and hashlib.sha256(stored).hexdigest() == document.sha256
    assert (document.title, document.original_name, document.content_type) == (
        "Technical proposal", "proposal.pdf", "application/pdf")
    assert document.uploaded_by == world["alice"]
    assert document.history.first().history_user == world["alice"]
    assert list(PriceLine.objects.filter(bid=on_time).values_list("label", "amount")) == [
        ("Onboarding", 12000), ("Platform fee", 3000)]
    on_time.refresh_from_db()
    submission = SealedSubmission.objects.get(bid=on_time)
    assert on_time.status == "submitted" and on_time.submitted_at == submission.submitted_at
    assert on_time.late_decision == "" and on_time.price_currency == "EUR"
    assert submission.status == SealedSubmission.Status.OPENED
    assert on_time.history.first().history_user == world["witnesses"][-1]


def test_the_opening_record_lists_every_bid_with_its_outcome(world):
    opening = _open(world)

    outcomes = {entry.bid_id: entry for entry in OpeningEntry.objects.filter(opening=opening)}
    assert {bid: entry.outcome for bid, entry in outcomes.items()} == {
        world["on_time"].pk: "opened", world["withdrawn"].pk: "withdrawn", world["silent"].pk: "not_submitted",
        world["late"].pk: "late_unopened"}
    files = outcomes[world["on_time"].pk].files
    assert [(f["kind"], f["title"], f["verified"]) for f in files] == [
        ("document", "Technical proposal", True), ("price_schedule", "Price schedule", True)]
    late_files = outcomes[world["late"].pk].files
    assert late_files[0]["title"] == "" and late_files[0]["verified"] is False
    assert outcomes[world["on_time"].pk].history.first().history_user == world["witnesses"][-1]


def test_every_bidder_is_told_about_their_own_bid_only(world):
    _open(world)

    notices = {notice.bid_id: notice for notice in BidderNotice.objects.filter(kind="opening")}
    assert set(notices) == {world[k].pk for k in ("on_time", "withdrawn", "silent", "late")}
    mine = notices[world["on_time"].pk].body
    document = ProposalDocument.objects.get(bid=world["on_time"])
    assert document.sha256 in mine and "Technical proposal" in mine
    for key in ("withdrawn", "silent", "late"):
        body = notices[world[key].pk].body
        assert document.sha256 not in body and "Technical proposal" not in body
        assert world["on_time"].vendor.legal_name not in body
    assert "not been opened" in notices[world["late"].pk].body


def test_a_late_bid_stays_sealed_until_admitted_under_a_waiver(world):
    _open(world)
    late, lead = world["late"], world["procedure"].lead
    late.refresh_from_db()
    assert late.status == "submitted" and late.late_decision == "pending"
    assert not ProposalDocument.objects.filter(bid=late).exists()

    with pytest.raises(DomainError, match="late-bid waiver"):
        services.bid_decide_late(actor=lead, bid=late, admit=True, reason="Courier delay")
    assert not ProposalDocument.objects.filter(bid=late).exists()
    services.waiver_record(actor=UserFactory(roles=[Role.PROCUREMENT_LEAD]), procedure=world["procedure"],
                           kind="late_bid", subject=late.vendor.legal_name,
                           reason="The portal was unavailable for an hour before the deadline.")

    late = services.bid_decide_late(actor=lead, bid=late, admit=True, reason="Portal outage evidenced")

    document = ProposalDocument.objects.get(bid=late)
    assert b"dan late" in document.file.open("rb").read()
    assert late.late_decision == "admitted" and late.is_admitted
    entry = OpeningEntry.objects.get(bid=late)
    assert entry.outcome == "opened" and entry.files[0]["verified"] and entry.opened_at is not None
    assert SealedSubmission.objects.get(bid=late).status == SealedSubmission.Status.OPENED
    assert BidderNotice.objects.filter(bid=late, kind="late").exists()


def test_a_rejected_late_bid_is_never_opened(world):
    _open(world)
    late = services.bid_decide_late(actor=world["procedure"].lead, bid=world["late"], admit=False,
                                    reason="No reason to admit it")

    assert late.status == "knocked_out"
    assert SealedSubmission.objects.get(bid=late).status == SealedSubmission.Status.UNOPENED
    assert not ProposalDocument.objects.filter(bid=late).exists()
    assert OpeningEntry.objects.get(bid=late).outcome == "late_unopened"


def test_a_tampered_item_is_recorded_as_not_verified_and_not_copied(world):
    from awards.models import SealedItem

    item = SealedItem.objects.get(submission__bid=world["on_time"], kind="document")
    with item.blob.open("rb") as handle:
        data = bytearray(handle.read())
    data[-1] ^= 1
    name = item.blob.name
    item.blob.storage.delete(name)
    item.blob.storage.save(name, __import__("io").BytesIO(bytes(data)))

    opening = _open(world)

    entry = OpeningEntry.objects.get(opening=opening, bid=world["on_time"])
    document_entry = next(f for f in entry.files if f["kind"] == "document")
    assert document_entry["verified"] is False and "altered" in document_entry["problem"]
    assert not ProposalDocument.objects.filter(bid=world["on_time"]).exists()
    assert json.dumps(entry.files)  # the record stays plain data


def test_a_bid_declined_after_it_was_sealed_is_never_opened(world):
    procedure = world["procedure"]
    services.bid_decline(actor=procedure.lead, bid=world["on_time"], reason="The vendor told us it withdraws")

    opening = _open(world)

    assert opening.status == BidOpening.Status.OPENED
    assert OpeningEntry.objects.get(bid=world["on_time"]).outcome == "not_submitted"
    assert SealedSubmission.objects.get(bid=world["on_time"]).status == SealedSubmission.Status.UNOPENED
    assert not ProposalDocument.objects.filter(bid=world["on_time"]).exists()
    assert not PriceLine.objects.filter(bid=world["on_time"]).exists()
