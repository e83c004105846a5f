"""Sealed bids against the real components (issue 20): PostgreSQL, the S3 API (moto server) and the Celery worker.

The bucket is read straight through boto3, around Django: before the opening it holds only ciphertext (no
marker of any proposal or price schedule in any object); after the opening with two witnesses every opened file
in the bucket has the sha256 on the bidder's receipt. The invitation e-mail is sent by the worker process.
"""

import hashlib
import secrets
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from awards.models import BidderInvitation, BidOpening, OpeningEntry, ProposalDocument, SealedItem
from awards.services.invitations import bidder_invite
from awards.services.opening import bid_opening_start, opening_witness_confirm
from awards.services.sealed import sealed_document_add, sealed_price_schedule_save, sealed_submit
from tests.factories.sealed import bid_with_bidder, open_portal_procedure, pass_deadline, witness
from tests.integration.test_object_storage import _storage_from_the_environment, bucket  # noqa: F401 - fixtures
from vendors.models import VendorContact

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _objects(s3, name: str, prefix: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=name, Prefix=prefix).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=name, Key=item["Key"])["Body"].read() for item in listed}


def test_sealed_bids_are_ciphertext_in_the_bucket_until_the_opening_and_match_their_receipts_after(
        bucket, celery_worker_process):  # noqa: F811
    s3, name = bucket
    # given two bidders who seal a proposal and a price schedule, each carrying a unique marker
    procedure = open_portal_procedure()
    markers, receipts = [], {}
    bids = []
    for n in range(2):
        bid, bidder = bid_with_bidder(procedure, username=f"pg-bidder-{n}-{secrets.token_hex(3)}")
        marker = f"PGSEAL{secrets.token_hex(8)}"
        markers.append(marker)
        sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=SimpleUploadedFile(
            f"{marker}.pdf", b"%PDF-1.4\n" + marker.encode() + b"\n%%EOF\n", content_type="application/pdf"))
        sealed_price_schedule_save(actor=bidder, bid=bid, schedule={"currency": "EUR", "lines": [
            {"kind": "one_off", "label": f"Set-up {marker}", "amount": "1000"}]})
        sealed_submit(actor=bidder, bid=bid)
        receipts[bid.pk] = sorted(SealedItem.objects.filter(submission__bid=bid, removed_at=None)
                                  .values_list("sha256", flat=True))
        bids.append(bid)

    # then the bucket holds the four sealed items, and none holds a marker
    sealed = _objects(s3, name, f"awards/sealed/{procedure.pk}/")
    assert len(sealed) == 4
    assert not [key for key, body in sealed.items() if any(m.encode() in body for m in markers)]

    # when proposals-due passes and two witnesses open the bids
    pass_deadline(procedure)
    procedure.refresh_from_db()
    other = witness(procedure)
    opening = bid_opening_start(actor=procedure.lead, procedure=procedure, witnesses=[procedure.lead, other])
    opening_witness_confirm(actor=procedure.lead, opening=opening)
    opening = opening_witness_confirm(actor=other, opening=opening)

    # then the record lists both bids with the receipts' hashes, and each opened file in the bucket matches
    assert opening.status == BidOpening.Status.OPENED
    for bid in bids:
        entry = OpeningEntry.objects.get(opening=opening, bid=bid)
        assert sorted(f["sha256"] for f in entry.files) == receipts[bid.pk]
        assert all(f["verified"] for f in entry.files)
        for document in ProposalDocument.objects.filter(bid=bid):
            body = s3.get_object(Bucket=name, Key=document.file.name)["Body"].read()
            assert hashlib.sha256(body).hexdigest() == document.sha256
            assert document.sha256 in receipts[bid.pk]
        assert bid.price_lines.count() == 1


def test_the_worker_sends_the_invitation_email_once(celery_worker_process):
    # given a portal procedure and a vendor contact with an e-mail address
    procedure = open_portal_procedure()
    bid, _ = bid_with_bidder(procedure, username=f"pg-invite-{secrets.token_hex(3)}")
    contact = VendorContact(vendor=bid.vendor, name="Ines Invited", email="ines@bidder.example")
    contact.save()
    # when the lead invites them (the e-mail is queued on commit, for the worker)
    with transaction.atomic():
        invitation = bidder_invite(actor=procedure.lead, bid=bid, contact=contact)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        invitation.refresh_from_db()
        if invitation.email_status != BidderInvitation.Email.QUEUED:
            break
        time.sleep(0.2)
    # then the worker sent it once
    assert invitation.email_status == BidderInvitation.Email.SENT and invitation.sent_at is not None
    assert invitation.email_attempts == 1
