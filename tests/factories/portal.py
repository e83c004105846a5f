"""Test set-up for the bidders' portal (issue 20): a portal procedure, and a bidder contact whose account is tied
to a bid's vendor by an accepted invitation. These build rows directly (as factories do); the invitation flow
itself is tested through its service in tests/awards/test_portal_invitations.py."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from awards.models import Bid, BidderInvitation
from procurement.accounts.models import User
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.awards import AwardProcedureFactory
from vendors.models import VendorContact


def portal_procedure(**kwargs):
    """A procedure that receives sealed bids through the portal (the factory's default is "recorded")."""
    return AwardProcedureFactory(submission="portal", **kwargs)


def bidder_for(bid: Bid, *, username: str | None = None, email: str | None = None,
               password: str = TEST_PASSWORD) -> User:
    """A bidder user for `bid`'s vendor: a new contact with a portal account and an accepted invitation to `bid`.
    Calling it again for another bid of the same vendor adds another contact (each has their own account)."""
    stem = username or f"bidder{secrets.token_hex(4)}"
    email = email or f"{stem}@bidder.example"
    user = User(username=stem, email=email, first_name="Bea", last_name=stem.title(), kind=User.Kind.BIDDER)
    user.set_password(password)
    user.save()
    contact = VendorContact(vendor=bid.vendor, name=f"Bea {stem.title()}", role="Bid manager", email=email,
                            account=user)
    contact.save()
    now = timezone.now()
    BidderInvitation(bid=bid, contact=contact, email=email,
                     token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
                     invited_by=bid.procedure.lead, expires_at=now + timedelta(days=14),
                     email_status=BidderInvitation.Email.SENT, sent_at=now, accepted_at=now,
                     accepted_by=user).save()
    return user
