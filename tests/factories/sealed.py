"""Test set-up for sealed bids (issue 20): a portal procedure with its RFP out, bids with bidders, and the passing
of proposals-due. Dates are relative to today, so the tests hold on any date."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards.models import VolumeAssumption
from awards.models.procedure import Stage
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.awards import BidFactory
from tests.factories.portal import bidder_for, portal_procedure
from tests.factories.timeline import age_timeline


def open_portal_procedure(**kwargs):
    """A portal procedure in RFP issued whose proposals are due in five days."""
    today = timezone.localdate()
    dates = {"rfp_issue_date": today - timedelta(days=20), "question_deadline": today - timedelta(days=5),
             "proposals_due": today + timedelta(days=5), "demo_start": today + timedelta(days=10),
             "demo_end": today + timedelta(days=12), "target_award_date": today + timedelta(days=30)}
    return portal_procedure(stage=Stage.RFP_ISSUED, **{**dates, **kwargs})


def bid_with_bidder(procedure, username: str | None = None):
    bid = BidFactory(procedure=procedure)
    return bid, bidder_for(bid, username=username)


def pass_deadline(procedure):
    """Proposals-due was yesterday (the days passed; nobody moved a date)."""
    today = timezone.localdate()
    return age_timeline(procedure, actor=procedure.lead, rfp_issue_date=today - timedelta(days=30),
                        question_deadline=today - timedelta(days=15), proposals_due=today - timedelta(days=1))


def pdf(name: str = "proposal.pdf", body: bytes = b"our technical proposal") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + body + b"\n%%EOF\n", content_type="application/pdf")


def assumption(procedure, key: str = "tokens"):
    row = VolumeAssumption(procedure=procedure, key=key, label="Input tokens", unit="million tokens",
                           monthly_volume=100)
    row.save()
    return row


SCHEDULE = {"currency": "EUR", "lines": [
    {"kind": "one_off", "label": "Onboarding", "amount": "12000"},
    {"kind": "recurring", "label": "Platform fee", "amount": "3000", "period": "month"},
]}


def witness(procedure):
    """Another procurement lead: sees every procedure, so may witness."""
    return UserFactory(roles=[Role.PROCUREMENT_LEAD])
