"""Fixtures for award procedures, built through the services so history and permissions are real."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards import services
from awards.models import Requirement
from tests.factories.scorecards import complete_scorecard
from tests.factories.vendors import VendorFactory
from vendors.models import Tier


def pdf(name: str = "proposal.pdf", body: bytes = b"body") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + body + b"\n%%EOF", content_type="application/pdf")


@pytest.fixture
def procedure(lead, business_owner):
    return services.procedure_create(
        actor=lead, title="LLM assistant for customer support", need_statement="Deflect tier-1 tickets.",
        business_owner=business_owner, category="ai_saas", estimated_value=Decimal("300000"), currency="EUR",
        term_months=24, submission="recorded")


@pytest.fixture
def make_vendor():
    def make(tier: str = Tier.MEDIUM, **kwargs):
        return VendorFactory(tier=tier, **kwargs)

    return make


@pytest.fixture
def future_timeline():
    """A valid timeline that is still entirely ahead."""
    today = timezone.localdate()
    return {"rfp_issue_date": today, "question_deadline": today + timedelta(days=10),
            "proposals_due": today + timedelta(days=20), "demo_start": today + timedelta(days=25),
            "demo_end": today + timedelta(days=30), "target_award_date": today + timedelta(days=45)}


@pytest.fixture
def rfp_issued(procedure, lead, business_owner, make_vendor, future_timeline):
    """A procedure with agreed requirements, three invited vendors and a future timeline, RFP issued."""
    services.procedure_set_timeline(actor=lead, procedure=procedure, **future_timeline)
    services.procedure_advance(actor=lead, procedure=procedure, target="requirements", reason="Need agreed")
    for title, priority in (("Answers from our knowledge base", Requirement.Priority.MUST),
                            ("Hands over to a human", Requirement.Priority.SHOULD)):
        requirement = services.requirement_add(actor=lead, procedure=procedure, title=title, priority=priority)
        services.requirement_agree(actor=business_owner, requirement=requirement)
    for tier in (Tier.HIGH, Tier.MEDIUM, Tier.LOW):
        services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor(tier))
    procedure.refresh_from_db()
    complete_scorecard(procedure)  # criteria before the RFP (issue 5)
    return services.procedure_advance(actor=lead, procedure=procedure, target="rfp_issued", reason="RFP sent")


@pytest.fixture
def submit_bid(lead):
    def submit(bid, name="proposal.pdf"):
        services.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=pdf(name, name.encode()))
        return services.bid_record_submission(actor=lead, bid=bid)

    return submit
