"""Passkey sign-off in Chromium with a virtual authenticator (the DevTools WebAuthn domain through Playwright's
CDP session): an approver registers a passkey on the preferences page, a wrong key is refused until the throttle
pauses signing (a valid passkey included), a replayed answer is refused, and the memo is signed with the passkey.

The browser opens `localhost`, never 127.0.0.1: an IP address is not a valid relying party ID in Chromium.
"""

import base64
import re
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse
from playwright.sync_api import expect

from awards import services
from awards.models import SignOff
from procurement import throttle
from procurement.accounts.roles import Role
from procurement.passkeys import services as passkeys
from procurement.passkeys.models import Passkey
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo
from tests.security.figures import record

LIMIT = 2  # failed step-ups before signing pauses (the setting's default is 5)


@pytest.fixture
def site(live_server, settings):
    url = live_server.url.replace("127.0.0.1", "localhost")
    assert url.startswith("http://localhost:")
    settings.BATON_SITE_URL, settings.BATON_PASSKEY_RP_ID, settings.BATON_PASSKEY_ORIGIN = url, "", ""
    settings.BATON_SIGNOFF_FAILURE_LIMIT = LIMIT
    return url


def impostor_of(credential: dict) -> dict:
    """The same credential ID and user, but a private key nobody registered."""
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return {**credential, "privateKey": base64.b64encode(key).decode(), "signCount": 0}


def test_register_a_passkey_then_sign_a_memo_with_it(page, site, login, make_user):
    lead = make_user(Role.PROCUREMENT_LEAD)
    ada, ben = (make_user(Role.COMMITTEE_APPROVER, first_name=n) for n in ("Ada", "Ben"))
    committee(PM, ada, ben, quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, value=Decimal("60000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    sign_url = site + reverse("awards:memo_sign", args=[memo.procedure.reference])
    ceremonies = refused = 0

    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]

    login(ada)
    assert page.url.startswith("http://localhost:")

    # Register a passkey on the preferences page.
    page.goto(site + reverse("notifications:preferences"))
    page.get_by_label("Passkey name").fill("Work laptop")
    page.get_by_role("button", name="Register a passkey").click()
    expect(page.get_by_text("Passkey “Work laptop” registered")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Work laptop"))).to_contain_text("never")
    ceremonies += 1
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    stored = Passkey.objects.get(user=ada)
    assert stored.credential_id == credential["credentialId"].replace("+", "-").replace("/", "_").rstrip("=")

    def open_and_sign(decision: str = "Approve", comment: str = ""):
        if not page.url.startswith(sign_url):
            page.goto(sign_url)
        page.get_by_label(decision, exact=True).check()
        page.get_by_label("Comment").fill(comment)
        page.get_by_label("I have read this version").check()
        with page.expect_navigation():  # the script asks for the challenge, the passkey signs, the form posts
            page.get_by_role("button", name="Sign with your passkey").click()

    passkey_error = page.locator("#id_passkey_assertion_error")

    # A wrong key under the registered credential ID: refused, counted; the limit pauses signing.
    cdp.send("WebAuthn.removeCredential", {"authenticatorId": authenticator,
                                           "credentialId": credential["credentialId"]})
    cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator, "credential": impostor_of(credential)})
    for attempt in range(1, LIMIT + 1):
        open_and_sign()
        expect(passkey_error).to_contain_text(passkeys.BAD_SIGNATURE if attempt < LIMIT else "Signing is paused")
        ceremonies, refused = ceremonies + 1, refused + 1
    assert throttle.failures(ada) == LIMIT

    # The real key back: still refused while paused.
    cdp.send("WebAuthn.clearCredentials", {"authenticatorId": authenticator})
    cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator, "credential": credential})
    open_and_sign()
    expect(passkey_error).to_contain_text("Signing is paused")
    refused += 1
    assert not SignOff.objects.exists()
    throttle.clear(ada)  # the cool-off ends (its timing: tests/passkeys and tests/security/test_abuse_limits.py)

    # A rejection without its reason: the passkey signs, the sign-off is refused; the answer posted is captured
    # and posted again with the reason: a replay, refused.
    with page.expect_request(lambda r: r.method == "POST" and "passkey_assertion=%7B" in (r.post_data or "")) as sent:
        open_and_sign("Reject")
    expect(page.locator("#id_comment_error")).to_contain_text("Say why")
    ceremonies += 1
    body = dict(parse_qsl(sent.value.post_data, keep_blank_values=True))
    body["comment"] = "Replayed with a reason"
    status, text = page.evaluate(
        """async ([url, body]) => {
            const r = await fetch(url, {method: "POST", body: new URLSearchParams(body), credentials: "same-origin"});
            return [r.status, await r.text()];
        }""", [sign_url, urlencode(body)])
    assert status == 400 and passkeys.REPLAYED.replace("'", "&#x27;") in text
    refused += 1
    assert not SignOff.objects.exists()

    # Signed with the passkey.
    open_and_sign("Approve", "Approved with my passkey")
    expect(page.get_by_text("Your decision is recorded")).to_be_visible()
    ceremonies += 1
    signoff = SignOff.objects.get(signer=ada)
    assert signoff.step_up == SignOff.StepUp.PASSKEY and signoff.passkey == stored
    [after] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert Passkey.objects.get(pk=stored.pk).sign_count == after["signCount"] > credential["signCount"]
    assert throttle.failures(ada) == 0

    wrongly_accepted = SignOff.objects.count() - 1  # the one valid ceremony; every refused one wrote nothing
    record("passkey sign-off")  # one more end-to-end run
    record("passkey sign-off/ceremonies", ceremonies)
    record("passkey sign-off/refused as they should be", refused)
    record("passkey sign-off/wrongly accepted", wrongly_accepted)
    assert wrongly_accepted == 0
