"""Demo data for the bidders' portal (issue 20), built through the services (idempotent).

Three vendor contacts sign up from their invitation e-mails: bidder-meridian (Meridian Language Systems),
bidder-sable (Sable Speech) and bidder-brightdesk (Brightdesk Assist), each with the demo password. Two
procedures take their bids through the portal:

- "Call transcription and summaries for the service desk": the RFP is out, questions are open and proposals are
  due in three weeks. Meridian and Sable asked questions (Meridian's is answered and published to every bidder,
  Sable's waits for an answer); the lead published a clarification; Meridian and Sable submitted sealed bids with
  a file and a price schedule; Brightdesk has not started.
- "Records classification for the archive": the deadline has passed; Meridian and Brightdesk submitted in time and
  the bids were opened by the witnesses BATON_BID_OPENING_WITNESSES asks for (by default two: the lead and the
  auditor), so the opening record lists both bids with their receipt times and hashes, and both bidders were
  told.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from django.utils import timezone

from awards import services
from awards.demo import _age_timeline, _blocked, before_rfp_issue
from awards.models import AwardProcedure, Bid
from awards.models.procedure import Stage
from awards.services.invitations import bidder_invitation_accept, bidder_invite, invitation_email_send
from awards.services.opening import bid_opening_start, opening_witness_confirm
from awards.services.price_assumptions import volume_assumption_add
from awards.services.qa import question_ask, questions_publish
from awards.services.rfp_documents import bidder_clarification_publish, rfp_document_add
from awards.services.sealed import sealed_document_add, sealed_price_schedule_save, sealed_submit
from vendors import services as vendor_services
from vendors.models import Vendor, VendorContact

OPEN_TITLE = "Call transcription and summaries for the service desk"
OPENED_TITLE = "Records classification for the archive"

# username -> (vendor legal name, contact name, role, e-mail)
BIDDERS = {
    "bidder-meridian": ("Meridian Language Systems Ltd", "Aoife Brennan", "Bid manager", "aoife@meridian.example"),
    "bidder-sable": ("Sable Speech Oy", "Mikko Laine", "Sales director", "mikko@sable.example"),
    "bidder-brightdesk": ("Brightdesk Assist Ltd", "Hannah Cole", "Account executive", "hannah@brightdesk.example"),
}
FALLBACK_COUNTRY = {"Meridian Language Systems Ltd": "IE", "Sable Speech Oy": "FI", "Brightdesk Assist Ltd": "GB"}
LINK = re.compile(r"/portal/invitations/([^/\s]+)/")


def _vendor(lead, legal_name: str) -> Vendor:
    vendor = Vendor.objects.filter(legal_name=legal_name).first()
    if vendor is None:  # the vendor demo normally made it; alone, this step makes its own
        vendor = vendor_services.vendor_create(actor=lead, legal_name=legal_name,
                                               country=FALLBACK_COUNTRY[legal_name], offering_type="ai_saas",
                                               ai_act_role="provider", reason="Demo data")
    return vendor


def _contact(lead, vendor: Vendor, name: str, role: str, email: str) -> VendorContact:
    contact = VendorContact.objects.filter(vendor=vendor, email=email).first()
    return contact or vendor_services.contact_add(actor=lead, vendor=vendor, name=name, role=role, email=email)


def _accept(lead, bid: Bid, contact: VendorContact, username: str):
    """Invite the contact and open the link from their e-mail: the first time they choose their sign-in (the demo
    password), later they accept with the account they have."""
    invitation = bidder_invite(actor=lead, bid=bid, contact=contact)
    # The link exists only in the e-mail (awards.services.invitations): send it now and read it from the message,
    # as the contact would. Sending it here marks it sent, so the queued task sends nothing twice.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        invitation_email_send(invitation_id=invitation.pk)
        token = LINK.search(mail.outbox[-1].body).group(1)
    contact.refresh_from_db()
    if contact.account_id is None:
        first, _, last = contact.name.partition(" ")
        return bidder_invitation_accept(token=token, username=username, password=settings.BATON_DEMO_PASSWORD,
                                        first_name=first, last_name=last).user
    return bidder_invitation_accept(token=token, user=contact.account).user


def _pdf(title: str, vendor: Vendor) -> SimpleUploadedFile:
    body = (f"%PDF-1.4\n% {title} from {vendor}\n1 0 obj << /Type /Catalog >> endobj\n"
            "trailer << /Root 1 0 R >>\n%%EOF\n").encode()
    return SimpleUploadedFile(f"{title.lower().replace(' ', '-')}.pdf", body, content_type="application/pdf")


def _procedure(*, users, title: str, need: str, value: str, requirements, vendors, stdout):
    """A portal procedure with its RFP out (dates ahead, as the tiers require), or None when the RFP cannot go."""
    lead, owner = users["lead"], users["owner"]
    today = timezone.localdate()
    procedure = services.procedure_create(actor=lead, title=title, need_statement=need, business_owner=owner,
                                          category="ai_saas", estimated_value=Decimal(value), currency="EUR",
                                          term_months=24, submission="portal")
    procedure = services.procedure_set_timeline(
        actor=lead, procedure=procedure, rfp_issue_date=today, question_deadline=today + timedelta(days=10),
        proposals_due=today + timedelta(days=25), demo_start=today + timedelta(days=28),
        demo_end=today + timedelta(days=35), target_award_date=today + timedelta(days=55))
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS,
                                           reason="Need statement agreed with the business owner")
    for requirement_title, priority in requirements:
        requirement = services.requirement_add(actor=lead, procedure=procedure, title=requirement_title,
                                               priority=priority)
        services.requirement_agree(actor=owner, requirement=requirement)
    bids = [services.bid_invite(actor=lead, procedure=procedure, vendor=vendor) for vendor in vendors]
    for step in before_rfp_issue:
        step(procedure=procedure, users=users, bids=bids)
    volume_assumption_add(actor=lead, procedure=procedure, label="Audio hours transcribed", unit="hour",
                          monthly_volume=Decimal("1200"), key="audio-hours")
    rfp_document_add(actor=lead, procedure=procedure, title="Statement of requirements",
                     upload=SimpleUploadedFile("statement-of-requirements.pdf",
                                               f"%PDF-1.4\n% {title}: statement of requirements\n%%EOF\n".encode(),
                                               content_type="application/pdf"))
    if _blocked(procedure, Stage.RFP_ISSUED, stdout):
        return None, bids
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED,
                                           reason="RFP sent to the invited vendors through the portal")
    return procedure, bids


def _seal(bidder, bid: Bid, *, one_off: str, monthly: str, per_hour: str) -> None:
    sealed_document_add(actor=bidder, bid=bid, title="Technical and commercial proposal",
                        upload=_pdf("Technical and commercial proposal", bid.vendor))
    sealed_price_schedule_save(actor=bidder, bid=bid, schedule={"currency": "EUR", "lines": [
        {"kind": "one_off", "label": "Set-up and integration", "amount": one_off},
        {"kind": "recurring", "label": "Platform subscription", "amount": monthly, "period": "month"},
        {"kind": "usage", "label": "Transcription and summary", "amount": per_hour, "assumption": "audio-hours"}]})
    sealed_submit(actor=bidder, bid=bid)


def seed(*, users, stdout) -> None:
    if AwardProcedure.objects.filter(title__in=(OPEN_TITLE, OPENED_TITLE)).exists():
        stdout.write("Bidders' portal demo already present.")
        return
    lead = users["lead"]
    vendors, contacts = {}, {}
    for username, (legal_name, name, role, email) in BIDDERS.items():
        vendors[username] = _vendor(lead, legal_name)
        contacts[username] = _contact(lead, vendors[username], name, role, email)

    # --- the open procedure: questions and sealed bids under way ---------------------------------------------
    names = ("bidder-meridian", "bidder-sable", "bidder-brightdesk")
    procedure, bids = _procedure(
        users=users, title=OPEN_TITLE, value="180000", stdout=stdout, vendors=[vendors[n] for n in names],
        need=("The service desk takes about 9,000 calls a month. Agents spend four minutes after each call "
              "writing notes. We want every call transcribed and summarised into the ticket, in English and "
              "Irish, with the recording kept in the EU."),
        requirements=(("Transcripts and summaries stay in EU regions and are never used to train models", "must"),
                      ("Summaries are written into the ticket with a link to the transcript", "must"),
                      ("Recognises Irish as well as English", "should")))
    if procedure is None:
        return
    bidders = {username: _accept(lead, bid, contacts[username], username) for username, bid in zip(names, bids,
                                                                                                   strict=True)}
    asked = question_ask(actor=bidders["bidder-meridian"], bid=bids[0],
                         text="May the summaries be written in the caller's language rather than in English?")
    question_ask(actor=bidders["bidder-sable"], bid=bids[1],
                 text="How many calls a month are in Irish, roughly?")
    services.question_answer(actor=lead, question=asked,
                             public_text="May summaries be written in the caller's language?",
                             answer="Yes: summarise in the language of the call, and add an English summary when "
                                    "the call was in Irish.")
    questions_publish(actor=lead, procedure=procedure, questions=[asked])
    bidder_clarification_publish(actor=lead, procedure=procedure, subject="Recording retention",
                                 body="Recordings are kept for 90 days, transcripts for two years. Price storage "
                                      "for those periods in your platform subscription.",
                                 key="demo-retention")
    _seal(bidders["bidder-meridian"], bids[0], one_off="14000", monthly="2200", per_hour="0.90")
    _seal(bidders["bidder-sable"], bids[1], one_off="9500", monthly="2900", per_hour="0.75")
    stdout.write(f"Portal procedure {procedure.reference} ready: questions open, two sealed bids submitted.")

    # --- the opened procedure: past its deadline, opened by two witnesses ----------------------------------------
    names = ("bidder-meridian", "bidder-brightdesk")
    opened, bids = _procedure(
        users=users, title=OPENED_TITLE, value="95000", stdout=stdout, vendors=[vendors[n] for n in names],
        need=("The records office files about 40,000 scanned letters a year by hand. We want each letter "
              "classified against our retention schedule, with a person confirming anything uncertain."),
        requirements=(("Classifications are never used to train the vendor's models", "must"),
                      ("Each classification shows the words it was based on", "must")))
    if opened is None:
        return
    for username, bid in zip(names, bids, strict=True):
        bidders[username] = _accept(lead, bid, contacts[username], username)
    _seal(bidders["bidder-meridian"], bids[0], one_off="6000", monthly="1500", per_hour="0.40")
    _seal(bidders["bidder-brightdesk"], bids[1], one_off="4000", monthly="1900", per_hour="0.55")
    today = timezone.localdate()
    opened = _age_timeline(opened, actor=lead, reason="Demo data: dated as if the RFP went out four weeks ago",
                           rfp_issue_date=today - timedelta(days=28), question_deadline=today - timedelta(days=18),
                           proposals_due=today - timedelta(days=1), demo_start=today + timedelta(days=3),
                           demo_end=today + timedelta(days=10), target_award_date=today + timedelta(days=35))
    witnesses = [lead, users["auditor"], users["owner"]][:settings.BATON_BID_OPENING_WITNESSES]
    opening = bid_opening_start(actor=lead, procedure=opened, witnesses=witnesses)
    for person in witnesses:
        opening_witness_confirm(actor=person, opening=opening)
    stdout.write(f"Portal procedure {opened.reference} ready: two bids opened by two witnesses. Bidder sign-ins: "
                 f"{', '.join(BIDDERS)} (demo password).")

