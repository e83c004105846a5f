"""Shared set-up for the portal tests of invitations, pages, Q&A and notices (issue 20): a portal procedure whose
RFP is issued with three invited vendors, built through the services, and small helpers."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core import mail

from awards import services
from awards.models import Requirement
from awards.services.invitations import bidder_invite
from tests.factories.scorecards import complete_scorecard
from vendors.models import Tier, VendorContact

LINK = re.compile(r"https?://\S+/portal/invitations/(?P<token>[^/\s]+)/")


def issue_portal_rfp(*, lead, business_owner, make_vendor, future_timeline):
    """A portal procedure, requirements agreed, three invited vendors, RFP issued today. Each test module wraps it
    in its own `portal_rfp` fixture."""
    procedure = services.procedure_create(
        actor=lead, title="LLM assistant for customer support", need_statement="Deflect **tier-1** tickets.",
        business_owner=business_owner, category="ai_saas", estimated_value=Decimal("300000"), currency="EUR",
        term_months=24, submission="portal")
    services.procedure_set_timeline(actor=lead, procedure=procedure, **future_timeline)
    services.procedure_advance(actor=lead, procedure=procedure, target="requirements", reason="Need agreed")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Answers from our knowledge base",
                                           priority=Requirement.Priority.MUST)
    services.requirement_agree(actor=business_owner, requirement=requirement)
    for tier in (Tier.HIGH, Tier.MEDIUM, Tier.LOW):
        services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor(tier))
    procedure.refresh_from_db()
    complete_scorecard(procedure)
    return services.procedure_advance(actor=lead, procedure=procedure, target="rfp_issued", reason="RFP sent")


def contact_of(vendor, name: str = "Ada Contact", email: str | None = None) -> VendorContact:
    if email is None:
        email = f"{name.split()[0].lower()}{vendor.pk}@vendor.example"
    contact = VendorContact(vendor=vendor, name=name, role="Bid manager", email=email)
    contact.save()
    return contact


def invite_and_get_token(*, lead, bid, contact, capture) -> str:
    """Invite `contact` to `bid` and return the token of the link e-mailed to them."""
    before = len(mail.outbox)
    with capture(execute=True):
        bidder_invite(actor=lead, bid=bid, contact=contact)
    message = mail.outbox[before]
    return LINK.search(message.body).group("token")
