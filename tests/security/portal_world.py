"""The bidders' side of the security scenario (issue 20): two portal procedures, three vendors, three bidders.

- "first" (P1): RFP out, questions open, proposals due in three weeks; Aurora and Borealis are invited.
- "second" (P2): Aurora and Cumulus are invited; Cumulus submitted a sealed bid, then proposals-due passed and
  the lead started the opening with two witnesses (the lead and the business owner), who have not confirmed.
- bidder_aurora is a contact of Aurora with accepted invitations to both of Aurora's bids; bidder_borealis and
  bidder_cumulus each have one.

Each procedure has an RFP document and a clarification notice to every bid; each bid has a question of its own
that is not yet answered. In the first, Aurora has sealed a file (not submitted) and Borealis has submitted a
sealed bid with a price schedule (the first procedure has a volume assumption, so it asks for price). Every name
and question is unique, so a page shown to one bidder can be searched for what belongs to the others
(`secrets_hidden_from`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

VENDORS = {  # key -> (legal name, trading name)
    "aurora": ("Aurora Language Models GmbH", "Aurora LM"),
    "borealis": ("Borealis Speech Systems Oy", "Borealis Speech"),
    "cumulus": ("Cumulus Inference Cloud BV", "Cumulus Inference"),
}
BIDDERS = ("bidder_aurora", "bidder_borealis", "bidder_cumulus")


@dataclass
class PortalWorld:
    first: object
    second: object
    bids: dict = field(default_factory=dict)  # (procedure key, vendor key) -> Bid
    bidders: dict = field(default_factory=dict)  # identity -> User
    vendor_of: dict = field(default_factory=dict)  # identity -> vendor key
    documents: dict = field(default_factory=dict)  # procedure key -> RfpDocument
    notices: dict = field(default_factory=dict)  # (procedure key, vendor key) -> BidderNotice
    questions: dict = field(default_factory=dict)  # (procedure key, vendor key) -> Question (unanswered)
    pending_invitation: object = None  # to a new contact of Cumulus (no account yet), link not used
    pending_token: str = ""  # that invitation's link token
    self_report: object = None  # Aurora's tiering answers sent by bidder_aurora, awaiting review
    items: dict = field(default_factory=dict)  # (procedure key, vendor key) -> a live SealedItem
    opening: object = None  # the second procedure's bid opening, waiting for its witnesses
    assumption: object = None  # the first procedure's volume assumption
    price_items: dict = field(default_factory=dict)  # vendor key -> its sealed price schedule (the first procedure)

    def bid(self, procedure: str, vendor: str):
        return self.bids[(procedure, vendor)]

    def secrets_hidden_from(self, identity: str) -> list[str]:
        """The other vendors' names, the other bidders' sign-in names and e-mail addresses, and the text of the
        other vendors' unanswered questions."""
        own = self.vendor_of.get(identity)
        found = []
        for key, (legal, _trading) in VENDORS.items():
            if key != own:
                found.append(legal)
        for other, user in self.bidders.items():
            if self.vendor_of[other] != own:
                found += [user.username, user.email]
        for (_procedure, vendor), question in self.questions.items():
            if vendor != own:
                found.append(question.text)
        for (_procedure, vendor), item in self.items.items():
            if vendor != own:
                found.append(item.sha256)
        return found


def _timeline() -> dict:
    today = timezone.localdate()
    return {"rfp_issue_date": today, "question_deadline": today + timedelta(days=10),
            "proposals_due": today + timedelta(days=20), "demo_start": today + timedelta(days=25),
            "demo_end": today + timedelta(days=30), "target_award_date": today + timedelta(days=45)}


def portal_rfp(*, lead, owner, title: str, vendors) -> tuple[object, list]:
    """A portal procedure with its RFP issued to `vendors` (through the services); returns (procedure, bids)."""
    from awards import services
    from awards.models import Requirement
    from awards.models.procedure import Stage
    from tests.factories.scorecards import complete_scorecard

    procedure = services.procedure_create(actor=lead, title=title, need_statement="Answer our members' questions.",
                                          business_owner=owner, category="ai_saas",
                                          estimated_value=Decimal("200000"), currency="EUR", term_months=24,
                                          submission="portal")
    services.procedure_set_timeline(actor=lead, procedure=procedure, **_timeline())
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Need agreed")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Cites its sources",
                                           priority=Requirement.Priority.MUST)
    services.requirement_agree(actor=owner, requirement=requirement)
    bids = [services.bid_invite(actor=lead, procedure=procedure, vendor=vendor) for vendor in vendors]
    procedure.refresh_from_db()
    complete_scorecard(procedure)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="RFP sent")
    procedure.refresh_from_db()
    return procedure, bids


def accept_invitation(bid, user):
    """`user` (a contact of `bid`'s vendor) holds an accepted invitation to `bid` (a row, as bidder_for makes)."""
    from awards.models import BidderInvitation
    from vendors.models import VendorContact

    contact = VendorContact.objects.get(account=user)
    now = timezone.now()
    invitation = BidderInvitation(bid=bid, contact=contact, email=user.email,
                                  token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
                                  invited_by=bid.procedure.lead, expires_at=now + timedelta(days=14),
                                  email_status=BidderInvitation.Email.SENT, sent_at=now, accepted_at=now,
                                  accepted_by=user)
    invitation.save()
    return invitation


def rfp_document(procedure, lead, title: str):
    """An RFP document row with a real file (as a factory would store it)."""
    from awards.models import RfpDocument

    content = f"%PDF-1.4\n% {title} of {procedure.reference}\n%%EOF\n".encode()
    digest = hashlib.sha256(content).hexdigest()
    document = RfpDocument(procedure=procedure, title=title, original_name="rfp.pdf", sha256=digest,
                           size=len(content), content_type="application/pdf", uploaded_by=lead)
    document.file.save("rfp.pdf", ContentFile(content), save=False)
    document.save()
    return document


def build_portal(*, lead, owner) -> PortalWorld:
    from awards import services
    from awards.services.bidder_notices import bidder_notice_publish
    from tests.factories.portal import bidder_for
    from tests.factories.vendors import VendorFactory
    from vendors.models import Tier
    from vendors.services.self_report import tiering_self_report_submit

    vendors = {key: VendorFactory(legal_name=legal, trading_name=trading, tier=Tier.LOW, owner=lead)
               for key, (legal, trading) in VENDORS.items()}
    first, first_bids = portal_rfp(lead=lead, owner=owner, title="Members' helpdesk assistant",
                                   vendors=[vendors["aurora"], vendors["borealis"]])
    second, second_bids = portal_rfp(lead=lead, owner=owner, title="Claims triage model",
                                     vendors=[vendors["aurora"], vendors["cumulus"]])
    world = PortalWorld(first=first, second=second)
    world.bids = {("first", "aurora"): first_bids[0], ("first", "borealis"): first_bids[1],
                  ("second", "aurora"): second_bids[0], ("second", "cumulus"): second_bids[1]}
    for identity, (procedure, vendor) in {"bidder_aurora": ("first", "aurora"),
                                          "bidder_borealis": ("first", "borealis"),
                                          "bidder_cumulus": ("second", "cumulus")}.items():
        world.bidders[identity] = bidder_for(world.bid(procedure, vendor), username=identity.replace("_", "-"),
                                             email=f"{identity.replace('_', '.')}@{vendor}.example")
        world.vendor_of[identity] = vendor
    accept_invitation(world.bid("second", "aurora"), world.bidders["bidder_aurora"])

    for key, procedure in (("first", first), ("second", second)):
        world.documents[key] = rfp_document(procedure, lead, "Statement of requirements")
        for notice in bidder_notice_publish(actor=lead, procedure=procedure, kind="clarification",
                                            subject="Hosting region clarified",
                                            body="Hosting must stay in the EU.", key="matrix:clarification"):
            world.notices[(key, _vendor_key(notice.bid))] = notice
    for (key, vendor), bid in world.bids.items():
        procedure = first if key == "first" else second
        world.questions[(key, vendor)] = services.question_record(
            actor=lead, procedure=procedure, bid=bid,
            text=f"Unanswered question {secrets.token_hex(6)} from {vendor} on {key}")
    world.pending_invitation, world.pending_token = pending_invitation(world.bid("second", "cumulus"),
                                                                       name="Cy Newcomer",
                                                                       email="cy.newcomer@cumulus.example")
    _seal(world)
    world.self_report = tiering_self_report_submit(actor=world.bidders["bidder_aurora"], vendor=vendors["aurora"],
                                                   answers=SELF_REPORT_ANSWERS, comment="Sent for the matrix.")
    return world


def sealed_file(name: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% {name} {secrets.token_hex(8)}\n%%EOF\n".encode()
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _seal(world: PortalWorld) -> None:
    """Aurora seals a file in the first procedure; Borealis submits there; Cumulus submits in the second, whose
    deadline then passes and whose opening is started."""
    from awards.services.opening import bid_opening_start
    from awards.services.price_assumptions import volume_assumption_add
    from awards.services.sealed import sealed_document_add, sealed_price_schedule_save, sealed_submit
    from tests.factories.timeline import age_timeline

    aurora, borealis, cumulus = (world.bidders[f"bidder_{name}"] for name in ("aurora", "borealis", "cumulus"))
    world.assumption = volume_assumption_add(actor=world.first.lead, procedure=world.first, label="Questions answered",
                                             unit="question", monthly_volume=20000, key="questions")
    for (key, vendor), person in ((("first", "aurora"), aurora), (("first", "borealis"), borealis),
                                  (("second", "cumulus"), cumulus)):
        world.items[(key, vendor)] = sealed_document_add(actor=person, bid=world.bid(key, vendor),
                                                         title=f"Technical proposal of {vendor}",
                                                         upload=sealed_file(f"{vendor}.pdf"))
    world.price_items["borealis"] = sealed_price_schedule_save(
        actor=borealis, bid=world.bid("first", "borealis"),
        schedule={"currency": "EUR", "lines": [
            {"kind": "one_off", "label": "Onboarding", "amount": "9000"},
            {"kind": "usage", "label": "Per answered question", "amount": "0.04", "assumption": "questions"}]})
    sealed_submit(actor=borealis, bid=world.bid("first", "borealis"))
    sealed_submit(actor=cumulus, bid=world.bid("second", "cumulus"))
    second = world.second
    today = timezone.localdate()
    age_timeline(second, actor=second.lead, rfp_issue_date=today - timedelta(days=30),
                 question_deadline=today - timedelta(days=20), proposals_due=today - timedelta(days=1),
                 demo_start=today + timedelta(days=5), demo_end=today + timedelta(days=9),
                 target_award_date=today + timedelta(days=30))
    second.refresh_from_db()
    world.opening = bid_opening_start(actor=second.lead, procedure=second,
                                      witnesses=[second.lead, second.business_owner])


SELF_REPORT_ANSWERS = {"data_sensitivity": "special_category", "business_criticality": "low",
                       "people_impact": "none", "high_risk_use": "no", "autonomy": "standalone",
                       "spend_band": "under_50k", "substitutability": "easy"}


def pending_invitation(bid, *, name: str, email: str) -> tuple[object, str]:
    """An invitation, not yet used, for a new contact of `bid`'s vendor who has no account; and its link token
    (the service keeps only the token's hash and e-mails the link, so the row is made here with a known one)."""
    from awards.models import BidderInvitation
    from awards.services.invitations import token_hash
    from vendors.models import VendorContact

    contact = VendorContact(vendor=bid.vendor, name=name, role="Sales engineer", email=email)
    contact.save()
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = BidderInvitation(bid=bid, contact=contact, email=email, token_hash=token_hash(token),
                                  invited_by=bid.procedure.lead, expires_at=now + timedelta(days=14),
                                  email_status=BidderInvitation.Email.SENT, sent_at=now)
    invitation.save()
    return invitation, token


def _vendor_key(bid) -> str:
    return next(key for key, (legal, _) in VENDORS.items() if bid.vendor.legal_name == legal)
