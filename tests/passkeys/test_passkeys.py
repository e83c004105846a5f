"""Passkeys for the sign-off step-up (issue 19), with real WebAuthn data: a software authenticator (EC P-256,
"none" attestation, CBOR) registers and signs, and py_webauthn verifies as it would a browser's answer.

One world per module (a memo in approval: the procurement-manager committee needs two of three approvers; one
of them signs in through single sign-on and has no usable password); every test runs in a savepoint of it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import DecisionMemo, SignOff
from awards.services.memo import signoff_passkey_options
from procurement import throttle
from procurement.accounts.roles import Role
from procurement.passkeys import services as passkeys
from procurement.passkeys.models import Passkey, PasskeyChallenge
from procurement.services import model_save
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo
from tests.passkeys.authenticator import SoftAuthenticator
from tests.security.figures import record

pytestmark = pytest.mark.django_db
SITE = "http://localhost:8000"
SETTINGS = {"BATON_SITE_URL": SITE, "BATON_PASSKEY_RP_ID": "", "BATON_PASSKEY_ORIGIN": "",
            "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}


def register(user, authenticator: SoftAuthenticator, name: str = "Laptop") -> Passkey:
    options = passkeys.registration_options(actor=user)
    return passkeys.passkey_register(actor=user, name=name, credential=authenticator.create(options))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once inside an outer transaction; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), override_settings(**SETTINGS):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
            owner = UserFactory(roles=[Role.BUSINESS_OWNER])
            ada, ben = (UserFactory(roles=[Role.COMMITTEE_APPROVER], first_name=n) for n in ("Ada", "Ben"))
            sso = UserFactory(roles=[Role.COMMITTEE_APPROVER], first_name="Sam")
            sso.set_unusable_password()
            sso.save()
            committee(PM, ada, ben, sso, quorum=2)
            committee(RC, quorum=1)
            committee(EC, quorum=1)
            shortlist = shortlisted_procedure(lead=lead, business_owner=owner, value=Decimal("50000"))
            memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
            ada_key, ben_key = SoftAuthenticator(origin=SITE), SoftAuthenticator(origin=SITE)
            register(ada, ada_key)
            register(ben, ben_key, "Security key")
            yield SimpleNamespace(lead=lead, ada=ada, ben=ben, sso=sso, memo=memo, ada_key=ada_key,
                                  ben_key=ben_key)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _site(settings, world):
    for name, value in SETTINGS.items():
        setattr(settings, name, value)
    settings.BATON_SIGNOFF_FAILURE_LIMIT = 3
    for user in (world.ada, world.ben, world.sso):
        throttle.clear(user)
    yield
    for user in (world.ada, world.ben, world.sso):
        throttle.clear(user)


def memo_of(world) -> DecisionMemo:
    return DecisionMemo.objects.get(pk=world.memo.pk)


def challenge(world, user=None, decision="approve", committee=None) -> dict:
    return signoff_passkey_options(actor=user or world.ada, memo=memo_of(world), decision=decision,
                                   committee=committee)


def sign(world, assertion, user=None, decision="approve", comment=""):
    return services.signoff_record(actor=user or world.ada, memo=memo_of(world), decision=decision,
                                   comment=comment, passkey_assertion=assertion)


def refused(world, assertion, message: str, *, user=None, decision="approve", comment=""):
    """The sign-off is refused with `message` on the passkey field, and nothing is recorded."""
    before = SignOff.objects.count(), SignOff.history.count()
    with pytest.raises(ValidationError) as caught:
        sign(world, assertion, user=user, decision=decision, comment=comment)
    assert caught.value.message_dict == {"passkey_assertion": [message]}
    assert (SignOff.objects.count(), SignOff.history.count()) == before
    record("passkey sign-off/refused as they should be")


# --- registration ----------------------------------------------------------------------------------------------


def test_registration_verifies_the_attestation_and_keeps_the_key_with_history(world):
    key = SoftAuthenticator(origin=SITE)
    options = passkeys.registration_options(actor=world.ada)
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"] == {"residentKey": "preferred", "requireResidentKey": False,
                                                 "userVerification": "required"}
    assert [c["id"] for c in options["excludeCredentials"]] == [world.ada.passkeys.get().credential_id]
    answer = key.create(options)

    passkey = passkeys.passkey_register(actor=world.ada, name="  Phone ", credential=json.dumps(answer))

    assert passkey.name == "Phone" and passkey.user == world.ada and passkey.sign_count == 0
    assert passkey.credential_id == answer["id"] and passkey.transports == ["internal"]
    assert passkey.history.get().history_change_reason == "Passkey registered: Phone"
    assert PasskeyChallenge.objects.get(challenge=options["challenge"]).used_at is not None
    with pytest.raises(ValidationError) as again:  # the same answer twice: the challenge is spent
        passkeys.passkey_register(actor=world.ada, name="Phone 2", credential=answer)
    assert again.value.message_dict == {"credential": [passkeys.REPLAYED]}


@pytest.mark.parametrize("case", ["wrong origin", "user not verified", "another person's challenge",
                                  "same name", "garbage"])
def test_registration_refusals_save_nothing(world, case):
    key = SoftAuthenticator(origin="http://evil.example" if case == "wrong origin" else SITE,
                            verifies_user=case != "user not verified")
    options = passkeys.registration_options(actor=world.ben if case == "another person's challenge" else world.ada)
    answer = "{not json" if case == "garbage" else key.create(options)
    before = Passkey.objects.count()
    with pytest.raises(ValidationError) as caught:
        passkeys.passkey_register(actor=world.ada, name="Laptop" if case == "same name" else "New", credential=answer)
    expected = {"wrong origin": {"credential": ["Your browser's passkey could not be verified; nothing was saved. "
                                                "Try again."]},
                "user not verified": {"credential": [passkeys.NOT_VERIFIED]},
                "another person's challenge": {"credential": [passkeys.UNKNOWN_CHALLENGE]},
                "same name": {"name": ["You already have a passkey with this name: choose another."]},
                "garbage": {"credential": [passkeys.UNREADABLE]}}[case]
    assert caught.value.message_dict == expected
    assert Passkey.objects.count() == before


# --- signing ---------------------------------------------------------------------------------------------------


def test_signing_with_a_passkey_records_which_step_up_and_spends_the_challenge(world, django_assert_max_num_queries):
    options = challenge(world)
    assert options["userVerification"] == "required"
    assert [c["id"] for c in options["allowCredentials"]] == [world.ada.passkeys.get().credential_id]
    assertion = world.ada_key.get(options)

    with django_assert_max_num_queries(46):  # 43 on SQLite, 46 on PostgreSQL (the password sign-off plus ~8)
        signoff = sign(world, assertion)

    record("passkey sign-off")  # one more scenario signed through
    record("passkey sign-off/ceremonies")
    passkey = Passkey.objects.get(user=world.ada)
    assert signoff.step_up == SignOff.StepUp.PASSKEY and signoff.passkey == passkey
    assert signoff.content_hash == memo_of(world).content_hash
    assert signoff.history.get().history_change_reason == "Approve for Procurement manager (passkey step-up)"
    assert passkey.sign_count == world.ada_key.sign_count and passkey.last_used_at is not None
    assert passkey.history.first().history_change_reason.startswith("Passkey used: sign-off of")
    row = PasskeyChallenge.objects.get(challenge=options["challenge"])
    assert row.used_at is not None and row.binding["content_hash"] == memo_of(world).content_hash
    assert row.binding["decision"] == "approve"
    # The same answer again (the route is still open: quorum 2) is a replay.
    refused(world, assertion, passkeys.REPLAYED)
    assert SignOff.objects.filter(signer=world.ada).count() == 1


def test_the_password_still_signs_and_says_so(world):
    signoff = services.signoff_record(actor=world.ben, memo=memo_of(world), decision="approve", password=TEST_PASSWORD)
    assert signoff.step_up == SignOff.StepUp.PASSWORD and signoff.passkey is None
    assert signoff.history.get().history_change_reason.endswith("(password step-up)")


def test_an_answer_for_another_decision_is_refused(world):
    assertion = world.ada_key.get(challenge(world, decision="approve"))
    refused(world, assertion, "This passkey signature was made for another decision. Nothing was recorded: "
                              "sign again.", decision="reject", comment="Too expensive")


def test_an_answer_for_an_earlier_version_of_the_memo_is_refused(world):
    assertion = world.ada_key.get(challenge(world))
    memo = services.memo_update(actor=world.lead, memo=memo_of(world), recommendation="A different recommendation.")
    memo = services.memo_submit(actor=world.lead, memo=memo)
    assert memo.version == 2
    refused(world, assertion, f"The memo changed since you started signing (it is now version 2, hash "
                              f"{memo.content_hash[:12]}…). Nothing was recorded: read it again, then sign again.")


def test_an_unregistered_authenticator_is_refused(world):
    stranger = SoftAuthenticator(origin=SITE)
    refused(world, stranger.get(challenge(world)), passkeys.NOT_YOURS)


def test_another_persons_passkey_is_refused(world):
    # Ben's authenticator answers the challenge Ada was given, sent as Ada.
    refused(world, world.ben_key.get(challenge(world)), passkeys.NOT_YOURS)
    # Ben sends an answer to a challenge Ada was given.
    refused(world, world.ben_key.get(challenge(world)), passkeys.UNKNOWN_CHALLENGE, user=world.ben)


def test_the_right_credential_id_with_another_key_is_refused_as_a_forgery_whatever_count_it_claims(world):
    passkey = Passkey.objects.get(user=world.ada)
    passkey.sign_count = 40
    model_save(passkey, actor=world.ada, reason="Earlier uses")
    impostor = SoftAuthenticator(origin=SITE, credential_id=world.ada_key.credential_id)
    refused(world, impostor.get(challenge(world), count=3), passkeys.BAD_SIGNATURE)
    refused(world, impostor.get(challenge(world), count=99), passkeys.BAD_SIGNATURE)
    assert Passkey.objects.get(pk=passkey.pk).sign_count == 40


def test_an_answer_from_another_origin_is_refused(world):
    refused(world, world.ada_key.get(challenge(world), origin="http://localhost:9999"), passkeys.BAD_SIGNATURE)


def test_a_sign_count_going_backwards_is_a_clone(world):
    passkey = Passkey.objects.get(user=world.ada)
    passkey.sign_count = world.ada_key.sign_count + 50  # the real key was used more often than the clone says
    model_save(passkey, actor=world.ada, reason="Earlier uses")
    refused(world, world.ada_key.get(challenge(world)), passkeys.CLONED)
    assert Passkey.objects.get(pk=passkey.pk).sign_count == passkey.sign_count


def test_an_authenticator_without_a_counter_may_sign(world):
    key = SoftAuthenticator(origin=SITE, counts=False)
    register(world.ben, key, "Counterless")
    passkeys.passkey_revoke(actor=world.ben, passkey=Passkey.objects.get(user=world.ben, name="Security key"),
                            reason="Only the counterless one")
    signoff = sign(world, key.get(challenge(world, user=world.ben)), user=world.ben)
    assert signoff.passkey.name == "Counterless" and signoff.passkey.sign_count == 0


def test_an_expired_challenge_is_refused(world, settings):
    options = challenge(world)
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.BATON_PASSKEY_CHALLENGE_SECONDS + 1)):
        refused(world, world.ada_key.get(options), passkeys.EXPIRED)


def test_a_removed_passkey_cannot_sign_and_its_removal_is_in_history(world):
    second = SoftAuthenticator(origin=SITE)
    register(world.ada, second, "Phone")
    laptop = Passkey.objects.get(user=world.ada, name="Laptop")
    options = challenge(world)

    passkeys.passkey_revoke(actor=world.ada, passkey=laptop, reason="Laptop stolen")

    laptop.refresh_from_db()
    assert laptop.revoked_by == world.ada and laptop.revoke_reason == "Laptop stolen"
    assert laptop.history.first().history_change_reason == "Passkey removed: Laptop stolen"
    refused(world, world.ada_key.get(options), passkeys.REVOKED)
    assert [c["id"] for c in challenge(world)["allowCredentials"]] == [b64id(second)]


def b64id(key: SoftAuthenticator) -> str:
    from tests.passkeys.authenticator import b64

    return b64(key.credential_id)


def test_only_the_owner_removes_a_passkey_and_only_once(world):
    laptop = Passkey.objects.get(user=world.ada)
    with pytest.raises(Exception) as other:
        passkeys.passkey_revoke(actor=world.ben, passkey=laptop, reason="Not mine")
    assert other.type.__name__ == "Http404"
    with pytest.raises(ValidationError):
        passkeys.passkey_revoke(actor=world.ada, passkey=laptop, reason="  ")
    passkeys.passkey_revoke(actor=world.ada, passkey=laptop, reason="Lost")
    with pytest.raises(Exception) as twice:
        passkeys.passkey_revoke(actor=world.ada, passkey=laptop, reason="Again")
    assert str(twice.value) == "This passkey was already removed."
    assert Passkey.objects.get(pk=laptop.pk).revoke_reason == "Lost"


def test_no_passkey_no_challenge(world):
    with pytest.raises(ValidationError) as caught:
        challenge(world, user=world.sso)
    assert caught.value.message_dict == {"passkey_assertion": [passkeys.NO_PASSKEY]}


def test_a_challenge_is_refused_to_someone_who_may_not_sign(world):
    with pytest.raises(PermissionDenied):
        challenge(world, user=world.lead)
    assert not PasskeyChallenge.objects.filter(user=world.lead).exists()


def test_password_and_passkey_together_are_refused(world):
    assertion = world.ada_key.get(challenge(world))
    with pytest.raises(ValidationError) as caught:
        services.signoff_record(actor=world.ada, memo=memo_of(world), decision="approve", password=TEST_PASSWORD,
                                passkey_assertion=assertion)
    assert caught.value.message_dict == {"passkey_assertion": ["Sign with your passkey or with your password, "
                                                               "not both."]}
    assert not SignOff.objects.exists()


# --- the throttle ----------------------------------------------------------------------------------------------


def test_failed_passkeys_and_wrong_passwords_share_one_count_and_a_valid_passkey_clears_it(world):
    with pytest.raises(ValidationError, match="That is not your password"):
        services.signoff_record(actor=world.ada, memo=memo_of(world), decision="approve", password="guess")
    refused(world, SoftAuthenticator(origin=SITE).get(challenge(world)), passkeys.NOT_YOURS)
    assert throttle.failures(world.ada) == 2

    signoff = sign(world, world.ada_key.get(challenge(world)))

    assert signoff.step_up == SignOff.StepUp.PASSKEY and throttle.failures(world.ada) == 0
    record("passkey sign-off/wrongly accepted", 0)


def test_at_the_limit_signing_pauses_for_a_valid_passkey_and_the_right_password_too(world):
    stranger = SoftAuthenticator(origin=SITE)
    user = world.ben
    refused(world, stranger.get(challenge(world, user=user)), passkeys.NOT_YOURS, user=user)
    with pytest.raises(ValidationError, match="That is not your password"):
        services.signoff_record(actor=user, memo=memo_of(world), decision="approve", password="guess")
    paused = throttle.refusal_message()
    refused(world, stranger.get(challenge(world, user=user)), paused, user=user)  # the third failure
    assert throttle.failures(user) == 3
    # While paused, a valid passkey is refused without being looked at (its challenge stays unanswered).
    valid = world.ben_key.get(challenge(world, user=user))
    refused(world, valid, paused, user=user)
    assert PasskeyChallenge.objects.get(challenge=json_challenge(valid)).used_at is None
    with pytest.raises(ValidationError, match="Too many wrong passwords"):
        services.signoff_record(actor=user, memo=memo_of(world), decision="approve", password=TEST_PASSWORD)
    assert throttle.failures(user) == 3 and not SignOff.objects.exists()
    # When the pause ends (its timing: tests/security/test_abuse_limits.py), the passkey signs.


def json_challenge(assertion: dict) -> str:
    from webauthn.helpers import base64url_to_bytes

    return json.loads(base64url_to_bytes(assertion["response"]["clientDataJSON"]))["challenge"]


# --- single sign-on users ------------------------------------------------------------------------------------


def test_a_single_sign_on_user_cannot_sign_with_a_password_but_can_with_a_passkey(world):
    for password in ("", "anything", TEST_PASSWORD):
        with pytest.raises(ValidationError) as caught:
            services.signoff_record(actor=world.sso, memo=memo_of(world), decision="approve", password=password)
        assert caught.value.message_dict == {"passkey_assertion": [
            "You sign in through single sign-on and have no password in Baton: sign with a passkey (register one "
            "on your preferences page)."]}
    assert throttle.failures(world.sso) == 0 and not SignOff.objects.exists()
    key = SoftAuthenticator(origin=SITE)
    register(world.sso, key, "SSO laptop")
    signoff = sign(world, key.get(challenge(world, user=world.sso)), user=world.sso)
    assert signoff.signer == world.sso and signoff.step_up == SignOff.StepUp.PASSKEY


# --- the pages -------------------------------------------------------------------------------------------------


def sign_url(world) -> str:
    return reverse("awards:memo_sign", args=[world.memo.procedure.reference])


def test_the_sign_off_page_asks_for_a_challenge_then_records_the_passkey_signature(client, world):
    client.force_login(world.ada)
    page = client.get(sign_url(world)).content.decode()
    assert "data-passkey-sign" in page and 'name="password"' in page

    def options(decision):
        answer = client.post(sign_url(world), {"decision": decision, "confirm": "on", "step_up": "passkey",
                                               "passkey_options": "1"})
        assert answer.status_code == 200
        return answer.json()["options"]

    # A rejection without its comment: the passkey signed, the sign-off is refused and rolled back...
    first = json.dumps(world.ada_key.get(options("reject")))
    no_comment = client.post(sign_url(world), {"decision": "reject", "confirm": "on", "step_up": "passkey",
                                               "passkey_assertion": first})
    assert no_comment.status_code == 400 and "Say why" in no_comment.content.decode()
    # ...and the same answer sent again, now with the comment, is a replay all the same.
    replay = client.post(sign_url(world), {"decision": "reject", "comment": "Too dear", "confirm": "on",
                                           "step_up": "passkey", "passkey_assertion": first})
    assert replay.status_code == 400 and passkeys.REPLAYED in replay.content.decode()
    assert 'id="id_passkey_assertion_error"' in replay.content.decode()
    record("passkey sign-off/refused as they should be")

    response = client.post(sign_url(world), {"decision": "approve", "confirm": "on", "step_up": "passkey",
                                             "passkey_assertion": json.dumps(world.ada_key.get(options("approve")))})

    assert response.status_code == 302
    assert SignOff.objects.get(signer=world.ada).step_up == SignOff.StepUp.PASSKEY
    assert memo_of(world).status == DecisionMemo.Status.IN_APPROVAL  # one of two signatures


@pytest.mark.parametrize("case", ["cancelled", "garbage", "no passkey", "options with a missing decision"])
def test_the_sign_off_page_says_what_went_wrong_and_counts_nothing(client, world, case):
    user = world.sso if case == "no passkey" else world.ada
    client.force_login(user)
    data = {"decision": "approve", "confirm": "on", "step_up": "passkey",
            "passkey_assertion": {"cancelled": "", "garbage": "{]", "no passkey": "{}"}.get(case, "")}
    if case == "options with a missing decision":
        data = {"confirm": "on", "step_up": "passkey", "passkey_options": "1"}
    response = client.post(sign_url(world), data)
    assert response.status_code == 400
    text = response.content.decode()
    expected = {"cancelled": "The passkey request was cancelled or did not finish. Nothing was recorded: sign "
                             "with your passkey again.",
                "garbage": "Baton could not read your passkey&#x27;s answer. Nothing was recorded: sign with your "
                           "passkey again.",
                "no passkey": "You have no passkey registered: register one on your preferences page."}
    if case == "options with a missing decision":
        assert response.json()["fields"]["decision"][0]["message"] == "This field is required."
    else:
        assert expected[case] in text
    assert throttle.failures(user) == 0 and not SignOff.objects.exists()
    record("passkey sign-off/refused as they should be")


def test_the_sign_off_page_of_a_single_sign_on_user_has_no_password_field(client, world):
    client.force_login(world.sso)
    page = client.get(sign_url(world)).content.decode()
    assert 'name="password"' not in page and "Record my decision" not in page
    assert "You sign in through single sign-on" in page and reverse("notifications:preferences") in page
    response = client.post(sign_url(world), {"decision": "approve", "confirm": "on", "password": TEST_PASSWORD})
    assert response.status_code == 400 and "sign with a passkey" in response.content.decode()
    assert not SignOff.objects.exists()


def test_registering_and_removing_through_the_preferences_page(client, world):
    client.force_login(world.ben)
    options = client.post(reverse("passkeys:register_options")).json()["options"]
    key = SoftAuthenticator(origin=SITE)
    response = client.post(reverse("passkeys:register"), {"name": "Desk key",
                                                          "credential": json.dumps(key.create(options))})
    assert response.status_code == 302
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Desk key" in page and "Security key" in page and "never" in page
    desk = Passkey.objects.get(user=world.ben, name="Desk key")

    cancelled = client.post(reverse("passkeys:register"), {"name": "Other", "credential": ""})
    assert cancelled.status_code == 400 and "did not create a passkey" in cancelled.content.decode()
    unnamed = client.post(reverse("passkeys:register"), {"name": " ", "credential": ""}).content.decode()
    assert 'id="passkey_name_error"' in unnamed and "did not create a passkey" not in unnamed
    assert Passkey.objects.filter(user=world.ben).count() == 2
    no_reason = client.post(reverse("passkeys:revoke", args=[desk.pk]), {"confirm": "on", "reason": ""})
    assert no_reason.status_code == 400 and Passkey.objects.get(pk=desk.pk).revoked_at is None
    removed = client.post(reverse("passkeys:revoke", args=[desk.pk]), {"confirm": "on", "reason": "Gave it away"})
    assert removed.status_code == 302 and Passkey.objects.get(pk=desk.pk).revoke_reason == "Gave it away"
    client.force_login(world.ada)
    assert client.get(reverse("passkeys:revoke", args=[desk.pk])).status_code == 404


# --- settings --------------------------------------------------------------------------------------------------


def test_the_relying_party_comes_from_the_site_address_unless_set(settings, monkeypatch):
    import environ

    from procurement.conf import passkeys as conf

    settings.BATON_SITE_URL = "https://baton.example.org"
    assert passkeys.relying_party() == ("baton.example.org", "https://baton.example.org")
    settings.BATON_PASSKEY_RP_ID, settings.BATON_PASSKEY_ORIGIN = "example.org", "https://sign.example.org"
    assert passkeys.relying_party() == ("example.org", "https://sign.example.org")
    monkeypatch.setenv("BATON_PASSKEY_ORIGIN", "https://baton.example.org/path")
    with pytest.raises(ImproperlyConfigured):
        conf.settings_for(environ.Env())
