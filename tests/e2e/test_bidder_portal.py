"""The bidder's journey through the portal (issue 20, done-when): sign in, ask a question, seal a proposal file and
a price schedule, submit and read the receipt; then, after the procurement team opened the bids with a witness,
evaluated them and had the memo approved, read their own debrief (own scores against the winner's, no other
bidder named) and confirm receipt.

The bidder's steps go through the browser; the buyer's side is set up through the services, as the other tests of
each step do through their own pages."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from awards import services
from awards.models import Bid, BidderNotice, Debrief, Question, SealedSubmission
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion
from awards.services.debrief import debrief_send, debrief_update
from awards.services.opening import bid_opening_start, opening_witness_confirm
from awards.services.sealed import sealed_document_add, sealed_price_schedule_save, sealed_submit
from procurement.accounts.roles import Role
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.factories.memos import EC, PM, RC, Shortlist, committee, complete_due_diligence, written_memo
from tests.factories.portal import bidder_for
from tests.factories.timeline import age_timeline
from tests.factories.vendors import VendorFactory
from tests.security.portal_world import portal_rfp
from vendors.models import Tier

PROPOSAL = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% Our proposal for the support assistant\n%%EOF\n"


def _seal_for(bidder, bid, amount: str) -> None:
    """Another bidder's sealed bid, through the services."""
    sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=SimpleUploadedFile(
        f"proposal-{bid.pk}.pdf", PROPOSAL + str(bid.pk).encode(), content_type="application/pdf"))
    sealed_price_schedule_save(actor=bidder, bid=bid, schedule={"currency": "EUR", "lines": [
        {"kind": "one_off", "label": "Set-up", "amount": amount}]})
    sealed_submit(actor=bidder, bid=bid)


def _open_evaluate_and_approve(*, procedure, lead, owner, bids, approvers) -> object:
    """Proposals-due passes; the lead and a witness open the bids; two evaluators score (the first bid ranks
    first); all are shortlisted; the memo recommending the first is approved by its committee."""
    today = timezone.localdate()
    age_timeline(procedure, actor=lead, rfp_issue_date=today - timedelta(days=30),
                 question_deadline=today - timedelta(days=20), proposals_due=today - timedelta(days=1),
                 demo_start=today + timedelta(days=5), demo_end=today + timedelta(days=9),
                 target_award_date=today + timedelta(days=30))
    procedure.refresh_from_db()
    opening = bid_opening_start(actor=lead, procedure=procedure, witnesses=[lead, owner])
    opening_witness_confirm(actor=lead, opening=opening)
    opening_witness_confirm(actor=owner, opening=opening)
    evaluators = [UserFactory(roles=[Role.EVALUATOR]) for _ in range(2)]
    for person in evaluators:
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=person)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION, reason="Bids opened")
    bids = [Bid.objects.get(pk=bid.pk) for bid in bids]
    criteria = list(Criterion.objects.filter(scorecard__procedure=procedure).order_by("group__position", "position"))
    values = dict(zip((b.pk for b in bids), (Decimal("4.5"), Decimal("3.5"), Decimal("2.5")), strict=True))
    for person in evaluators:
        for bid in bids:
            services.conflict_declare(actor=person, bid=bid, has_conflict=False)
            for criterion in criteria:
                services.score_save(actor=person, bid=bid, criterion=criterion, value=values[bid.pk],
                                    rationale="Seen in the proposal")
        services.scoresheet_submit(actor=person, procedure=procedure)
    knockout = procedure.scorecard.knockouts.get()
    for bid in bids:
        services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=True, reason="Contract checked")
        services.bid_decide(actor=lead, bid=bid, status=Bid.Status.SHORTLISTED, reason="Strong enough")
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.SHORTLIST,
                                           reason="Scoring complete")
    for bid in bids:
        bid.refresh_from_db()
        complete_due_diligence(bid, lead)
    memo = services.memo_submit(actor=lead, memo=written_memo(Shortlist(
        procedure=procedure, lead=lead, business_owner=owner, bids=bids, evaluators=evaluators, recused=None)))
    for person in approvers:
        services.signoff_record(actor=person, memo=memo, decision="approve", password=TEST_PASSWORD)
    memo.refresh_from_db()
    assert memo.is_approved
    return memo


def test_a_bidder_asks_submits_a_sealed_bid_and_reads_their_debrief(page, live_server, login):
    # The buyer's side: a portal procedure with its RFP out to three vendors, each with a bidder contact.
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD], first_name="Lena", last_name="Okafor")
    owner = UserFactory(roles=[Role.BUSINESS_OWNER])
    approvers = [UserFactory(roles=[Role.COMMITTEE_APPROVER]) for _ in range(2)]
    committee(PM, *approvers, quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    vendors = [VendorFactory(legal_name=f"{name} Ltd", trading_name=name, tier=Tier.LOW)
               for name in ("Alder Models", "Birch Speech", "Cedar Cloud")]
    procedure, bids = portal_rfp(lead=lead, owner=owner, title="Support assistant", vendors=vendors)
    winner_bidder, me, third_bidder = (bidder_for(bid, username=f"bidder-{vendor.trading_name.split()[0].lower()}")
                                       for bid, vendor in zip(bids, vendors, strict=True))
    reference = procedure.reference

    # The bidder signs in and lands in the portal.
    login(me)
    expect(page).to_have_url(re.compile(r"/portal/"))
    page.goto(f"{live_server.url}/portal/procedures/{reference}/questions/")
    page.get_by_role("textbox", name="Your question").fill("May the pilot run in our own EU region?")
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_text(re.compile(r"Your question was received as Q\d+"))).to_be_visible()
    assert Question.objects.filter(bid=bids[1], text__startswith="May the pilot").exists()

    # They seal a proposal file and a price schedule, then submit the bid and read the receipt.
    page.goto(f"{live_server.url}/portal/procedures/{reference}/bid/")
    page.get_by_role("link", name="Add a file").click()
    page.get_by_role("textbox", name="Title").fill("Technical proposal")
    page.get_by_label(re.compile(r"^File")).set_input_files(
        files=[{"name": "proposal.pdf", "mimeType": "application/pdf", "buffer": PROPOSAL}])
    page.get_by_role("button", name="Seal and add").click()
    page.get_by_role("link", name="Fill in the price schedule").click()
    page.get_by_label("Description of line 1").fill("Set-up and integration")
    page.get_by_label("Amount of line 1").fill("6000")
    page.get_by_label("Kind of line 2").select_option("recurring")
    page.get_by_label("Description of line 2").fill("Subscription")
    page.get_by_label("Amount of line 2").fill("900")
    page.get_by_label("Period of line 2 (recurring lines)").select_option("month")
    page.get_by_role("button", name=re.compile("^Seal and save")).click()
    expect(page.get_by_text("Your price schedule is sealed and saved.")).to_be_visible()
    page.get_by_role("link", name="Submit my bid…").click()
    page.get_by_role("button", name="Submit my bid").click()
    expect(page.get_by_role("heading", name="Your receipt")).to_be_visible()
    submission = SealedSubmission.objects.get(bid=bids[1])
    assert submission.status == SealedSubmission.Status.SUBMITTED
    receipt = page.locator("#receipt")
    expect(receipt.locator("code.hash")).to_have_text(submission.receipt_hash)
    for item in submission.items.filter(removed_at=None):  # each sealed item's fingerprint is on the page
        expect(page.get_by_text(item.sha256)).to_be_visible()

    # The buyer's side: the others submit, the deadline passes, the bids are opened with a witness, evaluated, the
    # memo approved; the lead writes and sends this bidder's debrief.
    _seal_for(winner_bidder, bids[0], "5000")
    _seal_for(third_bidder, bids[2], "7000")
    memo = _open_evaluate_and_approve(procedure=procedure, lead=lead, owner=owner, bids=bids, approvers=approvers)
    debrief = debrief_update(actor=lead, debrief=Debrief.objects.get(memo=memo, bid=bids[1]), held_on=None,
                             strengths="A clear integration plan.", weaknesses="Answer accuracy below the winner's.",
                             advice="Show measured accuracy on a test set like ours.")
    debrief_send(actor=lead, debrief=debrief)

    # The bidder reads the debrief: their own scores against the winner's, nobody else's, and confirms receipt.
    page.goto(f"{live_server.url}/portal/procedures/{reference}/debrief/")
    expect(page.get_by_role("heading", name="Your scores against the winning bid")).to_be_visible()
    expect(page.get_by_test_id("totals")).to_contain_text("Your weighted total")
    expect(page.get_by_test_id("debrief-groups")).to_be_visible()
    expect(page.get_by_text("A clear integration plan.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Cedar Cloud")  # the other unsuccessful bidder
    page.get_by_role("button", name="I confirm receipt").click()
    expect(page.get_by_test_id("acknowledged")).to_be_visible()
    notice = BidderNotice.objects.get(bid=bids[1], kind=BidderNotice.Kind.DEBRIEF)
    assert notice.acknowledged_by == me and notice.acknowledged_at is not None
    assert notice.history.first().history_user == me
