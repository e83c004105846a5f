"""Inviting vendor contacts to the bidders' portal (issue 20): invite, revoke, accept, and the invitation e-mail.

The link's token is random and exists only in the e-mail: the task that sends it draws the token, stores its
sha256 (BidderInvitation.token_hash) and sends the link in one step, so no token travels through the broker or
its logs, and only the hash is kept. Until then the invitation holds the hash of a token nobody knows. The e-mail
is queued when the invitation commits (awards.tasks.send_invitation_email, given the id only); if the broker was
down, the sweeper (awards.tasks.sweep_invitation_emails) finds it still QUEUED a few minutes later and queues it
again. A task that finds the e-mail sent already does nothing, so nobody gets two links.

Accepting signs the contact up (a new user of kind "bidder", with a password Django's validators accept and the
invitation's e-mail address) or, when the contact already has an account, takes the signed-in account. It ties
the account to the contact (VendorContact.account) and works once. Staff users and bidders of another vendor
are refused: a staff account never becomes a bidder, and a bidder belongs to exactly one vendor.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from awards.models import Bid, BidderInvitation
from awards.models.procedure import Submission
from awards.policies import procedure_policy
from awards.services._common import clean_reason, lock_procedure, locked
from procurement.accounts.models import User
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.queueing import enqueue_fail_fast
from vendors.models import VendorContact

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
SWEEP_AFTER = timedelta(minutes=5)


class InvitationUnusable(DomainError):
    """The link cannot be used (unknown, expired, revoked, already used, or not for this person)."""


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def invitation_link(token: str) -> str:
    return settings.BATON_SITE_URL.rstrip("/") + reverse("portal:accept", args=[token])


def invitation_state(invitation: BidderInvitation, now=None) -> str:
    """"accepted", "revoked", "expired" or "pending" (what the lead's panel and the link page say)."""
    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= now:
        return "expired"
    return "pending"


def _queue_email(invitation_id: int) -> None:
    from awards.tasks import send_invitation_email

    def enqueue() -> None:  # broker down: refused at once, the row stays QUEUED and the sweeper sends it later
        enqueue_fail_fast(send_invitation_email, args=(invitation_id,),
                          what=f"bidder invitation email {invitation_id}")

    transaction.on_commit(enqueue)


# --- inviting ------------------------------------------------------------------------------------------------

def _invite_one(*, actor, bid: Bid, contact: VendorContact, now) -> BidderInvitation:
    if contact.vendor_id != bid.vendor_id:
        raise ValidationError({"contacts": f"{contact.name} is not a contact of {bid.vendor}."})
    if not (contact.email or "").strip():
        raise ValidationError({"contacts": f"{contact.name} has no e-mail address on record; add one on the "
                                           "vendor's page first."})
    if contact.account_id is not None and not contact.account.is_active:
        raise ValidationError({"contacts": f"{contact.name}'s portal account is deactivated."})
    for earlier in BidderInvitation.objects.filter(bid=bid, contact=contact):
        state = invitation_state(earlier, now)
        if state == "accepted":
            raise ValidationError({"contacts": f"{contact.name} already accepted an invitation to this bid."})
        if state == "pending":
            raise ValidationError({"contacts": f"{contact.name} already has an invitation waiting (sent "
                                               f"{timezone.localtime(earlier.created_at):%d %b %Y}); revoke it "
                                               "to send a new one."})
    unknown = secrets.token_urlsafe(32)  # replaced by the e-mail's own token when it is sent
    invitation = BidderInvitation(bid=bid, contact=contact, email=contact.email.strip(), token_hash=token_hash(unknown),
                                  invited_by=actor,
                                  expires_at=now + timedelta(days=settings.BATON_BIDDER_INVITATION_DAYS))
    invitation.full_clean()
    attribute(invitation, actor=actor, reason=f"Invited {contact.name} to the bidders' portal")
    invitation.save()
    _queue_email(invitation.pk)
    return invitation


@transaction.atomic
def bidder_invite_contacts(*, actor, bid: Bid, contacts) -> list[BidderInvitation]:
    """Invite several contacts of the bid's vendor at once (all or none: one refusal writes nothing)."""
    procedure = lock_procedure(bid.procedure_id)
    bid = locked(Bid, bid.pk)
    require(actor, procedure_policy, "edit", procedure)
    if procedure.submission != Submission.PORTAL:
        raise DomainError(f"{procedure.reference} receives its proposals outside Baton, so its bidders are not "
                          "invited to the portal.")
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()}; nobody new is invited.")
    if bid.status == Bid.Status.DECLINED:
        raise DomainError(f"{bid.vendor} has declined; its contacts are not invited to the portal.")
    contacts = list(contacts)
    if not contacts:
        raise ValidationError({"contacts": "Choose at least one contact."})
    now = timezone.now()
    bid.procedure = procedure
    return [_invite_one(actor=actor, bid=bid, contact=contact, now=now) for contact in contacts]


def bidder_invite(*, actor, bid: Bid, contact: VendorContact) -> BidderInvitation:
    """Invite one contact of the bid's vendor; the e-mail with the link goes once this commits."""
    return bidder_invite_contacts(actor=actor, bid=bid, contacts=[contact])[0]


@transaction.atomic
def bidder_invitation_revoke(*, actor, invitation: BidderInvitation, reason: str) -> BidderInvitation:
    """Make a link that was not used yet stop working. An accepted invitation stays (to end a person's access,
    their account is deactivated)."""
    lock_procedure(invitation.bid.procedure_id)
    invitation = locked(BidderInvitation, invitation.pk)
    require(actor, procedure_policy, "edit", invitation.bid.procedure)
    reason = clean_reason(reason)
    state = invitation_state(invitation)
    if state == "accepted":
        raise DomainError(f"{invitation.email} already accepted this invitation; it can no longer be revoked. "
                          "To end their access, deactivate their portal account.")
    if state == "revoked":
        return invitation
    invitation.revoked_at, invitation.revoke_reason = timezone.now(), reason
    attribute(invitation, actor=actor, reason=f"Revoked: {reason}"[:100])
    invitation.save(update_fields=["revoked_at", "revoke_reason", "updated_at"])
    return invitation


# --- the e-mail ----------------------------------------------------------------------------------------------

def _email_text(invitation: BidderInvitation, token: str) -> str:
    procedure = invitation.bid.procedure
    expires = timezone.localtime(invitation.expires_at)
    return "\n".join([
        f"Dear {invitation.contact.name},",
        "",
        f"{procedure.lead.get_full_name() or procedure.lead.username} invites you, for {invitation.bid.vendor}, to "
        f"the bidders' portal of the procurement {procedure.reference} “{procedure.title}”.",
        "",
        "In the portal you can read the RFP documents and the timeline, ask questions, read the answers given to "
        "every bidder, submit your sealed bid and receive the notices about this procurement.",
        "",
        "Open this link to create your sign-in (or to sign in, if you already have one):",
        invitation_link(token),
        "",
        f"The link works once, until {expires:%d %b %Y %H:%M}. If you did not expect it, you can ignore this "
        "message.",
    ])


def invitation_email_send(*, invitation_id: int) -> bool:
    """Send one invitation's e-mail with a fresh link. True when this call sent it; does nothing when it was sent
    already or the invitation was accepted, revoked or has expired."""
    with transaction.atomic():
        invitation = (BidderInvitation.objects.select_for_update()
                      .select_related("bid__procedure__lead", "bid__vendor", "contact")
                      .filter(pk=invitation_id).first())
        if (invitation is None or invitation.email_status != BidderInvitation.Email.QUEUED
                or invitation_state(invitation) != "pending"):
            return False
        invitation.email_attempts += 1
        token = secrets.token_urlsafe(32)
        try:
            EmailMessage(subject=f"[Baton] Invitation to the bidders' portal: {invitation.bid.procedure.reference}",
                         body=_email_text(invitation, token), to=[invitation.email]).send()
        except Exception:  # SMTP refused or unreachable: stays queued for the sweeper, up to a limit
            logger.exception("Bidder invitation email %s failed", invitation_id)
            if invitation.email_attempts >= MAX_EMAIL_ATTEMPTS:
                invitation.email_status = BidderInvitation.Email.FAILED
            attribute(invitation, actor=None, reason="Invitation e-mail attempt failed")
            invitation.save(update_fields=["email_status", "email_attempts", "updated_at"])
            return False
        invitation.token_hash = token_hash(token)
        invitation.email_status, invitation.sent_at = BidderInvitation.Email.SENT, timezone.now()
        attribute(invitation, actor=None, reason="Invitation e-mail sent")
        invitation.save(update_fields=["token_hash", "email_status", "email_attempts", "sent_at", "updated_at"])
        return True


def invitation_email_sweep() -> int:
    """Beat job: invitation e-mails still QUEUED a few minutes after their last change are queued again (the
    broker was down, or the mail server refused; after MAX_EMAIL_ATTEMPTS the task marks them failed)."""
    from awards.tasks import send_invitation_email

    now = timezone.now()
    ids = list(BidderInvitation.objects.filter(email_status=BidderInvitation.Email.QUEUED,
                                               updated_at__lt=now - SWEEP_AFTER, accepted_at=None, revoked_at=None,
                                               expires_at__gt=now)
               .order_by("pk").values_list("pk", flat=True)[:200])
    for pk in ids:
        enqueue_fail_fast(send_invitation_email, args=(pk,), what=f"bidder invitation email {pk}")
    return len(ids)


# --- accepting -----------------------------------------------------------------------------------------------

def invitation_for_token(token: str) -> BidderInvitation:
    """The invitation a link opens, or InvitationUnusable with the sentence the person reads."""
    invitation = (BidderInvitation.objects.select_related("bid__procedure", "bid__vendor", "contact__account")
                  .filter(token_hash=token_hash(token)).first())
    if invitation is None:
        raise InvitationUnusable("This invitation link is not valid. Check that you opened the whole link from the "
                                 "e-mail; if it still fails, ask the procurement lead for a new invitation.")
    state = invitation_state(invitation)
    if state == "accepted":
        raise InvitationUnusable("This invitation link was already used. Sign in with the username and password "
                                 "chosen when it was accepted.")
    if state == "revoked":
        raise InvitationUnusable("This invitation was withdrawn by the procurement lead. Ask them if you think "
                                 "that is a mistake.")
    if state == "expired":
        raise InvitationUnusable("This invitation link has expired. Ask the procurement lead for a new one.")
    if invitation.bid.status == Bid.Status.DECLINED:
        raise InvitationUnusable(f"{invitation.bid.vendor} declined to bid in {invitation.bid.procedure.reference}; "
                                 "the invitation no longer applies.")
    return invitation


def refusal_for_user(invitation: BidderInvitation, user) -> str:
    """Why the signed-in `user` may not accept `invitation` ("" when they may)."""
    if user is None or not user.is_authenticated:
        return ""
    if not getattr(user, "is_bidder", False):
        return ("You are signed in with a staff account, which cannot accept an invitation to the bidders' portal "
                "(a staff account never becomes a bidder). If the invitation is yours as a vendor contact, open "
                "the link in a private window or sign out first.")
    contact = VendorContact.objects.filter(account=user).select_related("vendor").first()
    if contact is not None and contact.vendor_id != invitation.contact.vendor_id:
        return (f"Your portal account belongs to {contact.vendor}; it cannot also bid for "
                f"{invitation.contact.vendor}. Sign out and open the link again to create a separate sign-in.")
    if invitation.contact.account_id != user.pk:
        return (f"This invitation is for {invitation.contact.name} <{invitation.email}>, not for the account you "
                "are signed in with. Sign out and open the link again.")
    return ""


@dataclass(frozen=True)
class Accepted:
    invitation: BidderInvitation
    user: User
    created: bool


@transaction.atomic
def bidder_invitation_accept(*, token: str, user=None, username: str = "", password: str = "",
                             first_name: str = "", last_name: str = "") -> Accepted:
    """Use an invitation link. With `user` (signed in) the invitation is accepted for that account, which must be
    the contact's own; without, a new bidder account is created for the contact from `username` and `password`
    (refused when the contact already has one: they sign in first). Single-use."""
    found = invitation_for_token(token)
    invitation = BidderInvitation.objects.select_for_update().get(pk=found.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationUnusable("This invitation link was already used or withdrawn a moment ago.")
    contact = VendorContact.objects.select_for_update(of=("self",)).select_related("vendor", "account").get(
        pk=invitation.contact_id)
    invitation.contact = contact
    created = False
    if user is not None and user.is_authenticated:
        refused = refusal_for_user(invitation, user)
        if refused:
            raise InvitationUnusable(refused)
        account = user
    elif contact.account_id is not None:
        raise InvitationUnusable(f"{contact.name} already has a sign-in for the bidders' portal. Sign in with it, "
                                 "then open the link again.")
    else:
        account = _sign_up(invitation, username=username, password=password, first_name=first_name,
                           last_name=last_name)
        created = True
        contact.account = account
        attribute(contact, actor=account, reason="Portal sign-in created from an invitation")
        contact.save(update_fields=["account", "updated_at"])
    invitation.accepted_at, invitation.accepted_by = timezone.now(), account
    attribute(invitation, actor=account, reason="Invitation accepted")
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return Accepted(invitation=invitation, user=account, created=created)


def _sign_up(invitation: BidderInvitation, *, username: str, password: str, first_name: str,
             last_name: str) -> User:
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = ["Choose a username."]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["That username is taken; choose another."]
    user = User(username=username, email=invitation.email, first_name=(first_name or "").strip(),
                last_name=(last_name or "").strip(), kind=User.Kind.BIDDER)
    if not password:
        errors["password"] = ["Choose a password."]
    else:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if not errors:
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as exc:
            errors.update({name: list(messages) for name, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    attribute(user, actor=None, reason=f"Bidder sign-in created from an invitation to {invitation.bid.procedure}")
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"username": "That username is taken; choose another."}) from None
    return user
