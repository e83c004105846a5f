"""Inviting vendor contacts to the bidders' portal (issue 20): the lead invites, the e-mail carries a link that
works once, the link signs the contact up (or takes their own signed-in account), and every unusable link gets a
page that says why."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import Bid, BidderInvitation
from awards.services import invitations as invitation_services
from awards.services.invitations import (
    InvitationUnusable,
    bidder_invitation_accept,
    bidder_invitation_revoke,
    bidder_invite,
    bidder_invite_contacts,
    invitation_email_send,
    invitation_email_sweep,
)
from awards.views.invitations import panel_context
from procurement.accounts.models import User
from procurement.exceptions import DomainError
from tests.awards.portal_helpers import LINK, contact_of, invite_and_get_token, issue_portal_rfp
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.portal import bidder_for

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "violet-harbour-lantern-42"


@pytest.fixture
def portal_rfp(lead, business_owner, make_vendor, future_timeline):
    return issue_portal_rfp(lead=lead, business_owner=business_owner, make_vendor=make_vendor,
                            future_timeline=future_timeline)


def _bid(procedure) -> Bid:
    return procedure.bids.select_related("vendor").order_by("pk").first()


def _sign_up(client, token, **overrides):
    data = {"username": "ada.bidder", "first_name": "Ada", "last_name": "Lovelace", "password": GOOD_PASSWORD,
            "password_again": GOOD_PASSWORD, **overrides}
    return client.post(reverse("portal:accept", args=[token]), data)


# --- inviting ------------------------------------------------------------------------------------------------

def test_the_lead_invites_two_contacts_at_once_and_each_gets_a_link_that_only_hashes_are_kept_of(
        portal_rfp, lead, django_capture_on_commit_callbacks, settings):
    bid = _bid(portal_rfp)
    ada, bob = contact_of(bid.vendor, "Ada Contact"), contact_of(bid.vendor, "Bob Contact")

    with django_capture_on_commit_callbacks(execute=True):
        sent = bidder_invite_contacts(actor=lead, bid=bid, contacts=[ada, bob])

    assert [m.to for m in mail.outbox] == [[ada.email], [bob.email]]
    for invitation, message in zip(sent, mail.outbox, strict=True):
        invitation.refresh_from_db()
        token = LINK.search(message.body).group("token")
        assert message.body.count(settings.BATON_SITE_URL.rstrip("/") + f"/portal/invitations/{token}/") == 1
        assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in str(
            invitation.__dict__)
        assert invitation.email_status == BidderInvitation.Email.SENT and invitation.email_attempts == 1
        assert invitation.sent_at is not None and invitation.accepted_at is None
        lifetime = invitation.expires_at - invitation.created_at
        assert abs(lifetime - timedelta(days=settings.BATON_BIDDER_INVITATION_DAYS)) < timedelta(minutes=1)
        first = invitation.history.earliest()
        assert first.history_user == lead and first.history_change_reason.startswith("Invited ")
        assert invitation.history.latest().history_change_reason == "Invitation e-mail sent"
        assert not hasattr(first, "token_hash")  # the hash is kept out of the history


@pytest.mark.parametrize("case", ["recorded", "declined", "no_email", "other_vendor", "pending_twice"])
def test_refused_invitations_write_nothing(case, portal_rfp, lead, procedure, make_vendor):
    bid = _bid(portal_rfp)
    contact = contact_of(bid.vendor)
    extra = contact_of(bid.vendor, "Eve Extra")
    expected: type[Exception] = ValidationError
    if case == "recorded":
        bid = services.bid_invite(actor=lead, procedure=procedure, vendor=bid.vendor)  # "recorded" procedure
        expected = DomainError
    elif case == "declined":
        services.bid_decline(actor=lead, bid=bid, reason="Not interested")
        expected = DomainError
    elif case == "no_email":
        contact = contact_of(bid.vendor, "Nomail Person", email="")
    elif case == "other_vendor":
        contact = contact_of(make_vendor(), "Stranger Person")
    else:
        bidder_invite(actor=lead, bid=bid, contact=contact)
    before = BidderInvitation.objects.count()

    with pytest.raises(expected):
        bidder_invite_contacts(actor=lead, bid=bid, contacts=[extra, contact])  # the first would be fine

    assert BidderInvitation.objects.count() == before


def test_only_someone_who_may_edit_the_procedure_invites(portal_rfp, stranger):
    bid = _bid(portal_rfp)

    with pytest.raises((PermissionDenied, Http404)):
        bidder_invite(actor=stranger, bid=bid, contact=contact_of(bid.vendor))

    assert not BidderInvitation.objects.exists()


def test_the_invite_page_sends_to_the_checked_contacts_and_the_panel_shows_their_status(
        client, portal_rfp, lead, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    bid = _bid(portal_rfp)
    ada, bob = contact_of(bid.vendor, "Ada Contact"), contact_of(bid.vendor, "Bob Contact")
    client.force_login(lead)
    url = reverse("awards:bidder_invite", args=[portal_rfp.reference, bid.pk])

    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"contacts": [ada.pk, bob.pk]})

    assert response.status_code == 302
    assert BidderInvitation.objects.filter(bid=bid).count() == 2
    page = client.get(portal_rfp.get_absolute_url()).content.decode()
    assert "Bidders&#x27; portal" in page or "Bidders' portal" in page
    assert "Ada Contact" in page and "Waiting" in page and "Sent" in page
    assert all(str(other.vendor) in page for other in portal_rfp.bids.all())
    with django_assert_max_num_queries(8):
        context = panel_context(portal_rfp, lead)
    assert [len(row["contacts"]) for row in context["rows"]] == [2, 0, 0]


def test_a_bad_post_to_the_invite_page_is_answered_next_to_the_field(client, portal_rfp, lead):
    bid = _bid(portal_rfp)
    client.force_login(lead)

    response = client.post(reverse("awards:bidder_invite", args=[portal_rfp.reference, bid.pk]),
                           {"contacts": ["999999"]})

    assert response.status_code == 400 and "contacts_error" in response.content.decode()
    assert not BidderInvitation.objects.exists()


# --- the e-mail and its sweeper ------------------------------------------------------------------------------

def test_the_sweeper_sends_an_invitation_whose_task_was_lost_and_a_late_task_sends_nothing_more(
        portal_rfp, lead, monkeypatch, django_capture_on_commit_callbacks):
    bid = _bid(portal_rfp)
    contact = contact_of(bid.vendor)
    with django_capture_on_commit_callbacks(execute=False) as lost:  # the broker was down: the task never ran
        invitation = bidder_invite(actor=lead, bid=bid, contact=contact)
    assert len(lost) == 1 and mail.outbox == []
    monkeypatch.setattr(invitation_services, "SWEEP_AFTER", timedelta(0))

    assert invitation_email_sweep() == 1

    invitation.refresh_from_db()
    assert invitation.email_status == BidderInvitation.Email.SENT and len(mail.outbox) == 1
    token = LINK.search(mail.outbox[0].body).group("token")
    assert hashlib.sha256(token.encode()).hexdigest() == invitation.token_hash
    lost[0]()  # the first task arrives late
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_keeps_the_invitation_queued_then_marks_it_failed(portal_rfp, lead, settings,
                                                                                 monkeypatch):
    bid = _bid(portal_rfp)
    invitation = bidder_invite(actor=lead, bid=bid, contact=contact_of(bid.vendor))  # its task is not run

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    for _ in range(invitation_services.MAX_EMAIL_ATTEMPTS):
        assert invitation_email_send(invitation_id=invitation.pk) is False

    invitation.refresh_from_db()
    assert invitation.email_status == BidderInvitation.Email.FAILED
    assert invitation.email_attempts == invitation_services.MAX_EMAIL_ATTEMPTS


# --- accepting -----------------------------------------------------------------------------------------------

def test_the_link_signs_the_contact_up_once_and_ties_them_to_the_vendor(
        client, portal_rfp, lead, django_capture_on_commit_callbacks):
    bid = _bid(portal_rfp)
    contact = contact_of(bid.vendor)
    token = invite_and_get_token(lead=lead, bid=bid, contact=contact, capture=django_capture_on_commit_callbacks)

    page = client.get(reverse("portal:accept", args=[token]))
    response = _sign_up(client, token)

    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    assert response.status_code == 302 and response["Location"] == reverse("portal:procedure",
                                                                            args=[portal_rfp.reference])
    user = User.objects.get(username="ada.bidder")
    contact.refresh_from_db()
    invitation = BidderInvitation.objects.get(contact=contact)
    assert user.is_bidder and user.email == contact.email and user.check_password(GOOD_PASSWORD)
    assert contact.account == user and invitation.accepted_by == user and invitation.accepted_at is not None
    assert client.session[SESSION_KEY] == str(user.pk)
    assert invitation.history.latest().history_user == user
    assert invitation.history.latest().history_change_reason == "Invitation accepted"
    assert client.get(reverse("portal:procedure", args=[portal_rfp.reference])).status_code == 200

    client.logout()
    again = _sign_up(client, token, username="someone.else")
    assert again.status_code == 410 and "already used" in again.content.decode()
    assert not User.objects.filter(username="someone.else").exists()


@pytest.mark.parametrize("overrides, field, words", [
    ({"password": "short", "password_again": "short"}, "password", "too short"),
    ({"password_again": "something-else-entirely"}, "password_again", "differ"),
    ({"username": ""}, "username", "required"),
    ({"username": "bad name!"}, "username", "valid username"),
])
def test_a_bad_sign_up_is_answered_next_to_the_field_and_saves_nothing(
        client, portal_rfp, lead, django_capture_on_commit_callbacks, overrides, field, words):
    bid = _bid(portal_rfp)
    contact = contact_of(bid.vendor)
    token = invite_and_get_token(lead=lead, bid=bid, contact=contact, capture=django_capture_on_commit_callbacks)
    users = User.objects.count()

    response = _sign_up(client, token, **overrides)

    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode() and words in response.content.decode()
    assert User.objects.count() == users
    contact.refresh_from_db()
    assert contact.account is None and BidderInvitation.objects.get(contact=contact).accepted_at is None


def test_a_taken_username_is_refused_next_to_the_field(client, portal_rfp, lead, stranger,
                                                      django_capture_on_commit_callbacks):
    bid = _bid(portal_rfp)
    token = invite_and_get_token(lead=lead, bid=bid, contact=contact_of(bid.vendor),
                                 capture=django_capture_on_commit_callbacks)

    response = _sign_up(client, token, username=stranger.username.upper())

    assert response.status_code == 400 and "taken" in response.content.decode()


@pytest.mark.parametrize("state", ["unknown", "expired", "revoked"])
def test_an_unusable_link_gets_a_clear_page_never_an_error(client, portal_rfp, lead, state,
                                                           django_capture_on_commit_callbacks):
    bid = _bid(portal_rfp)
    token = invite_and_get_token(lead=lead, bid=bid, contact=contact_of(bid.vendor),
                                 capture=django_capture_on_commit_callbacks)
    invitation = BidderInvitation.objects.get()
    if state == "unknown":
        token = token[:-3] + "xyz"
    elif state == "expired":
        invitation.expires_at = timezone.now() - timedelta(minutes=1)
        invitation.save()
    else:
        bidder_invitation_revoke(actor=lead, invitation=invitation, reason="Wrong person")

    for response in (client.get(reverse("portal:accept", args=[token])), _sign_up(client, token)):
        assert response.status_code == 410
        assert {"unknown": "not valid", "expired": "expired", "revoked": "withdrawn"}[state] in \
            response.content.decode()
    assert not User.objects.filter(username="ada.bidder").exists()


def test_a_signed_in_staff_user_opening_a_link_is_refused_and_does_not_become_a_bidder(
        client, portal_rfp, lead, django_capture_on_commit_callbacks):
    bid = _bid(portal_rfp)
    token = invite_and_get_token(lead=lead, bid=bid, contact=contact_of(bid.vendor),
                                 capture=django_capture_on_commit_callbacks)
    client.force_login(lead)

    for response in (client.get(reverse("portal:accept", args=[token])), _sign_up(client, token)):
        assert response.status_code == 403 and "staff account" in response.content.decode()
    lead.refresh_from_db()
    assert not lead.is_bidder and BidderInvitation.objects.get().accepted_at is None
    with pytest.raises(InvitationUnusable, match="staff account"):
        bidder_invitation_accept(token=token, user=lead)


def test_a_bidder_of_another_vendor_is_refused(client, portal_rfp, lead, django_capture_on_commit_callbacks):
    first, second = portal_rfp.bids.order_by("pk")[:2]
    other = bidder_for(second, username="other.vendor")
    token = invite_and_get_token(lead=lead, bid=first, contact=contact_of(first.vendor),
                                 capture=django_capture_on_commit_callbacks)
    client.force_login(other)

    response = client.post(reverse("portal:accept", args=[token]))

    assert response.status_code == 403 and "belongs to" in response.content.decode()
    assert BidderInvitation.objects.get(bid=first).accepted_at is None


def test_a_contact_who_has_a_sign_in_accepts_a_new_invitation_by_signing_in(
        client, portal_rfp, lead, business_owner, django_capture_on_commit_callbacks):
    first_bid = _bid(portal_rfp)
    user = bidder_for(first_bid, username="known.bidder")
    contact = user.vendor_contact
    second = services.procedure_create(
        actor=lead, title="Second", need_statement="More.", business_owner=business_owner, category="ai_saas",
        estimated_value=1000, currency="EUR", term_months=12, submission="portal")
    second_bid = services.bid_invite(actor=lead, procedure=second, vendor=first_bid.vendor)
    token = invite_and_get_token(lead=lead, bid=second_bid, contact=contact,
                                 capture=django_capture_on_commit_callbacks)
    users = User.objects.count()

    anonymous = client.get(reverse("portal:accept", args=[token]))
    assert anonymous.status_code == 200 and "already has a sign-in" in anonymous.content.decode()
    signed_in = client.post(reverse("login"), {"username": "known.bidder", "password": TEST_PASSWORD,
                                               "next": reverse("portal:accept", args=[token])})
    assert signed_in["Location"] == reverse("portal:accept", args=[token])
    accepted = client.post(reverse("portal:accept", args=[token]))

    assert accepted.status_code == 302 and User.objects.count() == users
    invitation = BidderInvitation.objects.get(bid=second_bid)
    assert invitation.accepted_by == user
    assert client.get(reverse("portal:procedure", args=[second.reference])).status_code == 200


def test_revoking_needs_a_reason_and_an_accepted_invitation_stays(portal_rfp, lead,
                                                                  django_capture_on_commit_callbacks):
    bid = _bid(portal_rfp)
    user = bidder_for(bid)
    accepted = BidderInvitation.objects.get(accepted_by=user)
    pending = bidder_invite(actor=lead, bid=bid, contact=contact_of(bid.vendor))

    with pytest.raises(ValidationError):
        bidder_invitation_revoke(actor=lead, invitation=pending, reason="  ")
    with pytest.raises(DomainError, match="already accepted"):
        bidder_invitation_revoke(actor=lead, invitation=accepted, reason="Left the company")
    bidder_invitation_revoke(actor=lead, invitation=pending, reason="Sent to the wrong person")

    pending.refresh_from_db()
    assert pending.revoked_at is not None and pending.revoke_reason == "Sent to the wrong person"
    assert pending.history.latest().history_user == lead
    assert pending.history.latest().history_change_reason == "Revoked: Sent to the wrong person"


def test_the_revoke_page_asks_for_a_reason_before_revoking(client, portal_rfp, lead):
    bid = _bid(portal_rfp)
    invitation = bidder_invite(actor=lead, bid=bid, contact=contact_of(bid.vendor))
    client.force_login(lead)
    url = reverse("awards:bidder_invitation_revoke", args=[portal_rfp.reference, invitation.pk])

    page = client.get(url)
    empty = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "Duplicate"})

    assert page.status_code == 200 and "cannot be undone" in page.content.decode()
    assert empty.status_code == 400 and done.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
