"""Bidder contacts (issue 20) reach the bidders' portal and nothing else: every internal page answers them 404,
the API refuses their tokens with 404, staff get 404 on portal pages; they sign in with their password whatever
BATON_LOCAL_LOGIN says (that setting is about staff and single sign-on) and land on the portal."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from procurement.api.models import MARK, ApiToken
from procurement.api.services import api_token_create
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.factories.awards import BidFactory
from tests.factories.portal import bidder_for, portal_procedure

pytestmark = pytest.mark.django_db
LOCAL = "procurement.sso.backends.LocalPasswordBackend"


@pytest.fixture
def bid():
    return BidFactory(procedure=portal_procedure())


@pytest.fixture
def bidder(bid):
    return bidder_for(bid, username="bea.bidder")


INTERNAL = ["home", "vendors:list", "awards:procedure_list", "search", "admin:index", "notifications:inbox",
            "notifications:preferences", "password_change"]


@pytest.mark.parametrize("name", INTERNAL)
def test_a_bidder_gets_404_on_every_internal_page(client, bidder, bid, name):
    client.force_login(bidder)
    url = reverse(name)

    response = client.get(url, {"q": "vendor"} if name == "search" else None)

    expected = 200 if url.startswith("/accounts/password/") else 404  # their own password stays theirs
    assert response.status_code == expected, url
    if expected == 404:
        assert bid.procedure.reference not in response.content.decode()


def test_a_bidder_gets_404_on_internal_pages_of_their_own_procedure_and_vendor(client, bidder, bid):
    client.force_login(bidder)

    for url in (bid.procedure.get_absolute_url(), bid.vendor.get_absolute_url(), "/api/v1/procedures/"):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_bidders_api_token_is_refused_with_404_and_a_staff_token_still_works(bidder, lead):
    expires = timezone.localdate() + timedelta(days=5)
    # a bidder cannot create a token (procurement.api.policies); one written straight into the table (a restored
    # backup, a hand-made row) is refused at the door all the same
    with pytest.raises(PermissionDenied):
        api_token_create(actor=bidder, name="mine", scope="read", expires_on=expires)
    bidder_secret = f"{MARK}_b1dde7c0ffee_{secrets.token_urlsafe(32)}"
    ApiToken(user=bidder, name="mine", scope="read", prefix="b1dde7c0ffee", digest=ApiToken.digest_of(bidder_secret),
             created_at=timezone.now(), expires_at=timezone.now() + timedelta(days=5)).save()
    _, staff_secret = api_token_create(actor=lead, name="mine", scope="read", expires_on=expires)
    api = Client()

    refused = api.get("/api/v1/procedures/", headers={"Authorization": f"Bearer {bidder_secret}"})
    allowed = api.get("/api/v1/procedures/", headers={"Authorization": f"Bearer {staff_secret}"})

    assert refused.status_code == 404 and allowed.status_code == 200


def test_staff_get_404_on_portal_pages(client, bid):
    client.force_login(bid.procedure.lead)

    for url in (reverse("portal:home"), reverse("portal:procedure", args=[bid.procedure.reference]),
                reverse("portal:notices", args=[bid.procedure.reference])):
        assert client.get(url).status_code == 404, url


# --- signing in ----------------------------------------------------------------------------------------------

@pytest.fixture
def local_mode(settings):
    def switch(mode):
        settings.BATON_LOCAL_LOGIN = mode
        settings.AUTHENTICATION_BACKENDS = [LOCAL if b.endswith("ModelBackend") and "guardian" not in b else b
                                            for b in settings.AUTHENTICATION_BACKENDS]
    return switch


@pytest.mark.parametrize("mode", ["on", "off", "break-glass"])
def test_a_bidder_signs_in_with_a_password_in_every_mode_and_lands_on_the_portal(client, bidder, mode, local_mode):
    local_mode(mode)

    response = client.post(reverse("login"), {"username": "bea.bidder", "password": TEST_PASSWORD,
                                              "next": "/vendors/"})

    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert client.session[SESSION_KEY] == str(bidder.pk)


@pytest.mark.parametrize("mode", ["off", "break-glass"])
def test_staff_are_still_refused_a_password_when_local_sign_in_is_off_or_break_glass(client, mode, local_mode):
    person = UserFactory()
    local_mode(mode)

    response = client.post(reverse("login"), {"username": person.username, "password": TEST_PASSWORD})

    assert response.status_code == 200 and SESSION_KEY not in client.session


def test_with_local_sign_in_off_the_page_offers_vendor_contacts_their_own_form(client, local_mode):
    local_mode("off")

    plain = client.get(reverse("login")).content.decode()
    portal = client.get(reverse("login"), {"portal": "1"}).content.decode()

    assert 'name="password"' not in plain and "?portal=1" in plain
    assert 'name="password"' in portal and "Vendor contacts" in portal


def test_a_wrong_password_of_a_bidder_is_refused(client, bidder, local_mode):
    local_mode("off")

    response = client.post(reverse("login"), {"username": "bea.bidder", "password": "wrong-password-1"})

    assert response.status_code == 200 and SESSION_KEY not in client.session
