"""Bids (obligations from the tier, late submissions, documents) and the Q&A log."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from awards import selectors, services
from awards.models import Bid, ProposalDocument, Question
from awards.models.procedure import Stage
from awards.prerequisites import missing_for
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from tests.factories.award_fixtures import pdf
from tests.factories.timeline import age_timeline
from vendors.models import Tier

pytestmark = pytest.mark.django_db


def _move_deadline_into_the_past(procedure, lead, field: str):
    """Rewrite the timeline so that `field` (and every date before it) is already over."""
    today = timezone.localdate()
    order = ["rfp_issue_date", "question_deadline", "proposals_due", "demo_start", "demo_end", "target_award_date"]
    cut = order.index(field)
    dates = {name: today - timedelta(days=10 * (cut - i + 1)) for i, name in enumerate(order[: cut + 1])}
    dates.update({name: today + timedelta(days=5 * (i - cut)) for i, name in enumerate(order) if i > cut})
    return age_timeline(procedure, actor=lead, **dates)  # the days passed; nobody moved a date


def test_inviting_a_high_tier_vendor_creates_pov_and_reference_obligations(procedure, lead, make_vendor):
    bid = services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor(Tier.HIGH))

    assert bid.pov_required is True
    assert (bid.references_required, bid.independent_references_required) == (2, 1)
    assert bid.vendor_tier == Tier.HIGH and bid.status == Bid.Status.INVITED
    assert bid.history.get().history_change_reason == "Invited (High)"


def test_low_tier_vendor_owes_no_pov(procedure, lead, make_vendor):
    bid = services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor(Tier.LOW))

    assert bid.pov_required is False and bid.references_required == 0


def test_untiered_vendor_gets_the_strictest_obligations(procedure, lead, make_vendor):
    bid = services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor(""))

    assert bid.pov_required is True and bid.references_required == 3


def test_the_same_vendor_cannot_be_invited_twice(procedure, lead, make_vendor):
    vendor = make_vendor()
    services.bid_invite(actor=lead, procedure=procedure, vendor=vendor)

    with pytest.raises(ValidationError, match="already invited"):
        services.bid_invite(actor=lead, procedure=procedure, vendor=vendor)
    assert Bid.objects.count() == 1


def test_on_time_submission_is_admitted(rfp_issued, submit_bid):
    bid = submit_bid(rfp_issued.bids.first())

    assert bid.status == Bid.Status.SUBMITTED and not bid.is_late and bid.is_admitted


def test_late_submission_is_flagged_and_needs_a_decision_to_be_admitted(rfp_issued, lead, submit_bid, make_user):
    procedure = _move_deadline_into_the_past(rfp_issued, lead, "proposals_due")
    on_time, late, _ = list(procedure.bids.order_by("pk"))

    late = submit_bid(late)

    assert late.late_decision == Bid.LateDecision.PENDING and not late.is_admitted
    assert late.history.first().history_change_reason == "Proposal received after the deadline"
    missing = missing_for(procedure, Stage.EVALUATION).missing
    assert f"Decide whether to admit the late bid of {late.vendor}." in missing

    with pytest.raises(ValidationError):
        services.bid_decide_late(actor=lead, bid=late, admit=True, reason="")
    waiver = services.waiver_record(actor=make_user(Role.PROCUREMENT_LEAD), procedure=procedure, kind="late_bid",
                                    subject=late.vendor.legal_name,
                                    reason="The courier's receipt shows delivery on the due date at our gate.")
    late = services.bid_decide_late(actor=lead, bid=late, admit=True, reason="Courier delay evidenced")

    assert late.is_admitted and late.late_decision_reason == "Courier delay evidenced"
    assert late.history.first().history_change_reason == (f"Late bid admitted under waiver {waiver.pk}: "
                                                          "Courier delay evidenced")
    assert not any("late bid" in item for item in missing_for(procedure, Stage.EVALUATION).missing)


def test_a_rejected_late_bid_is_knocked_out(rfp_issued, lead, submit_bid):
    procedure = _move_deadline_into_the_past(rfp_issued, lead, "proposals_due")
    bid = submit_bid(procedure.bids.first())

    bid = services.bid_decide_late(actor=lead, bid=bid, admit=False, reason="Arrived two days late")

    assert bid.status == Bid.Status.KNOCKED_OUT and not bid.is_admitted
    assert bid.status_reason == "Late bid rejected: Arrived two days late"
    with pytest.raises(DomainError):
        services.bid_decide_late(actor=lead, bid=bid, admit=True, reason="Changed my mind")


def test_proposal_documents_are_hash_pinned_and_fixed_after_submission(rfp_issued, lead):
    import hashlib

    bid = rfp_issued.bids.first()
    upload = pdf("offer.pdf", b"our offer")
    document = services.proposal_document_add(actor=lead, bid=bid, title="Commercial offer", upload=upload)

    expected = hashlib.sha256(b"%PDF-1.7\nour offer\n%%EOF").hexdigest()
    assert document.sha256 == expected and document.size == len(b"%PDF-1.7\nour offer\n%%EOF")
    assert document.content_type == "application/pdf" and document.original_name == "offer.pdf"
    services.bid_record_submission(actor=lead, bid=bid)
    with pytest.raises(DomainError, match="fixed"):
        services.proposal_document_add(actor=lead, bid=bid, title="Late addendum", upload=pdf("b.pdf", b"more"))
    assert ProposalDocument.objects.count() == 1


def test_a_file_whose_content_does_not_match_its_extension_is_refused(rfp_issued, lead):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("offer.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    with pytest.raises(ValidationError) as exc:
        services.proposal_document_add(actor=lead, bid=rfp_issued.bids.first(), title="Offer", upload=fake)
    assert "file" in exc.value.error_dict and not ProposalDocument.objects.exists()


def test_download_reverifies_the_hash(client, rfp_issued, lead):
    bid = rfp_issued.bids.first()
    document = services.proposal_document_add(actor=lead, bid=bid, title="Offer", upload=pdf())
    url = reverse("awards:document_download", args=[rfp_issued.reference, bid.pk, document.pk])
    client.force_login(lead)

    ok = client.get(url)
    assert ok.status_code == 200 and b"".join(ok.streaming_content).startswith(b"%PDF-")

    with document.file.open("wb") as handle:
        handle.write(b"%PDF-tampered")
    assert client.get(url).status_code == 409


# --- Q&A -----------------------------------------------------------------------------------------------------


def test_question_in_the_window_is_not_late(rfp_issued, lead):
    question = services.question_record(actor=lead, procedure=rfp_issued, bid=rfp_issued.bids.first(),
                                        text="Can we host in the EU only?")

    assert question.number == 1 and question.late is False


def test_question_after_the_deadline_is_flagged(rfp_issued, lead):
    procedure = _move_deadline_into_the_past(rfp_issued, lead, "question_deadline")

    question = services.question_record(actor=lead, procedure=procedure, bid=procedure.bids.first(),
                                        text="Is a 90-day pilot acceptable?")

    assert question.late is True
    assert question.history.get().history_change_reason == "Question received after the deadline"


def test_publication_is_anonymised_and_the_export_names_no_bidder(client, rfp_issued, lead, business_owner):
    asker = rfp_issued.bids.first()
    question = services.question_record(actor=lead, procedure=rfp_issued, bid=asker,
                                        text=f"{asker.vendor} asks: can we use our own EU region?")
    with pytest.raises(DomainError, match="Answer Q1"):
        services.question_publish(actor=lead, question=question)
    services.question_answer(actor=lead, question=question, answer="Yes, EU regions only.",
                             public_text="Can a bidder use its own EU region?")
    services.question_publish(actor=lead, question=question)
    unpublished = services.question_record(actor=lead, procedure=rfp_issued, bid=asker, text="Secret pricing Q")

    published = list(selectors.published_questions(rfp_issued))
    assert [q.pk for q in published] == [question.pk]
    with pytest.raises(DomainError, match="already published"):
        services.question_answer(actor=lead, question=question, answer="No.")

    client.force_login(lead)
    response = client.get(reverse("awards:qa_export", args=[rfp_issued.reference]))
    body = response.content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [["Number", "Question", "Answer", "Published"],
                    ["Q1", "Can a bidder use its own EU region?", "Yes, EU regions only.",
                     timezone.localdate().isoformat()]]
    for bid in rfp_issued.bids.all():
        assert str(bid.vendor) not in body and bid.vendor.legal_name not in body
    assert unpublished.text not in body

    # the business owner's page shows the published wording, never the asker
    client.force_login(business_owner)
    page = client.get(rfp_issued.get_absolute_url()).content.decode()
    assert "Can a bidder use its own EU region?" in page and "asked by" not in page
    assert "Secret pricing Q" not in page
    assert Question.objects.get(pk=question.pk).history.first().history_change_reason == "Published to all bidders"
