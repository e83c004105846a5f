"""Sign-in through the OIDC backend's hooks (procurement.sso.backends) and the services behind them: users found
on (issuer, subject) only, created with no password, roles kept in step with the claims, deactivated when the
provider says so; and the ID token checks, against tokens signed here."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory

from procurement.accounts.models import User
from procurement.accounts.roles import Role
from procurement.sso.backends import REFUSAL_ATTRIBUTE, BatonOIDCBackend
from procurement.sso.models import ExternalIdentity
from tests.factories.accounts import UserFactory
from tests.sso.conftest import ISSUER

pytestmark = pytest.mark.django_db


def claims(sub="alice-sub", groups=("baton-users", "baton-evaluators"), **more):
    return {"sub": sub, "iss": ISSUER, "email": "alice@example.org", "given_name": "Alice", "family_name": "Ng",
            "preferred_username": "alice", "groups": list(groups), **more}


@pytest.fixture
def backend(sso_on):
    found = BatonOIDCBackend()
    found.request = RequestFactory().get("/sso/callback/")
    return found


def sign_in(backend, given):
    """What the library does with verified claims: match, then update or create."""
    users = backend.filter_users_by_claims(given)
    assert len(users) <= 1
    return backend.update_user(users[0], given) if users else backend.create_user(given)


def roles(user):
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def test_first_sign_in_creates_the_user_without_a_password_linked_to_issuer_and_subject(backend):
    user = sign_in(backend, claims())

    assert (user.username, user.email, user.first_name, user.last_name) == ("alice", "alice@example.org",
                                                                            "Alice", "Ng")
    assert user.is_active and not user.has_usable_password()
    identity = ExternalIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (ISSUER, "alice-sub")
    assert roles(user) == {Role.EVALUATOR}
    reasons = list(user.history.order_by("history_id").values_list("history_type", "history_change_reason"))
    assert reasons == [("+", "Created at first sign-in through Example ID"),
                       ("~", "Roles from the identity provider: +Evaluator")]
    assert identity.history.count() == 2  # linked, then its managed roles


def test_the_next_sign_in_finds_the_same_user_and_writes_nothing_when_nothing_changed(backend,
                                                                                      django_assert_max_num_queries):
    first = sign_in(backend, claims())
    rows = first.history.count()

    with django_assert_max_num_queries(12):
        again = sign_in(backend, claims())

    assert again.pk == first.pk
    assert User.objects.count() == 1 and ExternalIdentity.objects.count() == 1
    assert again.history.count() == rows


def test_a_matching_email_never_links_to_an_existing_account(backend):
    local = UserFactory(username="alice", email="alice@example.org", roles=[Role.PROCUREMENT_LEAD])

    user = sign_in(backend, claims())

    assert user.pk != local.pk
    assert user.username.startswith("alice-") and len(user.username) == len("alice-") + 8
    assert roles(local) == {Role.PROCUREMENT_LEAD} and local.has_usable_password()


def test_the_same_subject_from_another_issuer_is_another_person(backend, settings):
    first = sign_in(backend, claims())
    settings.OIDC_OP_ISSUER = "https://evil.example.test/o"

    other = BatonOIDCBackend()
    other.request = backend.request
    second = sign_in(other, claims())

    assert second.pk != first.pk


def test_a_changed_group_changes_the_roles_and_hand_granted_roles_stay(backend):
    user = sign_in(backend, claims(groups=("baton-users", "baton-leads")))
    assert roles(user) == {Role.PROCUREMENT_LEAD, Role.EVALUATOR}
    user.groups.add(Group.objects.get(name=Role.COMMITTEE_APPROVER))  # granted by hand inside Baton
    user.groups.add(Group.objects.get(name=Role.AUDITOR))  # by hand too, before the provider ever gave it

    sign_in(backend, claims(groups=("baton-users", "risk")))

    assert roles(user) == {Role.COMMITTEE_APPROVER, Role.AUDITOR}
    latest = user.history.latest("history_id")
    assert latest.history_change_reason == "Roles from the identity provider: -Evaluator -Procurement lead"
    assert latest.history_user_id == user.pk  # the person's own sign-in
    assert set(ExternalIdentity.objects.get(user=user).managed_roles.values_list("name", flat=True)) == set()

    sign_in(backend, claims(groups=("baton-users",)))  # the provider never granted Auditor: it stays

    assert roles(user) == {Role.COMMITTEE_APPROVER, Role.AUDITOR}


def test_profile_changes_at_the_provider_follow_with_a_reason_and_bad_values_are_ignored(backend):
    user = sign_in(backend, claims())

    sign_in(backend, claims(email="alice.ng@example.org", family_name="Ng-Smith"))
    sign_in(backend, claims(email="not an address", family_name="Ng-Smith"))

    user.refresh_from_db()
    assert (user.email, user.last_name) == ("alice.ng@example.org", "Ng-Smith")
    assert user.history.filter(history_change_reason="Profile from the identity provider: email, last_name").exists()


@pytest.mark.parametrize(("change", "said"), [
    ({"account_status": "disabled"}, "reports the account as disabled"),
    ({"groups": ["baton-evaluators"]}, "no longer gives this account the 'baton-users' group"),
])
def test_the_provider_disabling_the_account_refuses_and_deactivates_the_linked_user(backend, change, said):
    user = sign_in(backend, claims())

    with pytest.raises(SuspiciousOperation):
        sign_in(backend, claims(**change))

    user.refresh_from_db()
    assert not user.is_active
    assert User.objects.filter(pk=user.pk).exists()  # deactivated, never deleted
    latest = user.history.latest("history_id")
    assert latest.history_change_reason == f"Deactivated at sign-in: the identity provider {said}"[:100]
    assert said in getattr(backend.request, REFUSAL_ATTRIBUTE)
    assert "deactivated" in getattr(backend.request, REFUSAL_ATTRIBUTE)


def test_a_person_the_provider_refuses_is_not_created(backend):
    with pytest.raises(SuspiciousOperation):
        sign_in(backend, claims(account_status="suspended"))

    assert not User.objects.exists() and not ExternalIdentity.objects.exists()


def test_an_inactive_baton_user_is_refused_even_when_the_provider_vouches_for_them(backend):
    user = sign_in(backend, claims())
    user.is_active = False
    user.save()

    with pytest.raises(SuspiciousOperation):
        sign_in(backend, claims())

    user.refresh_from_db()
    assert not user.is_active and roles(user) == {Role.EVALUATOR}
    assert "Your Baton account is deactivated" in getattr(backend.request, REFUSAL_ATTRIBUTE)


@pytest.mark.parametrize("bad", [{"sub": ""}, {"sub": 42}, {"sub": None}])
def test_claims_without_a_usable_subject_are_refused(backend, bad):
    assert backend.verify_claims({**claims(), **bad}) is False


def test_a_password_sign_in_never_reaches_the_provider_even_with_a_code_in_the_address(sso_on):
    request = RequestFactory().post("/admin/login/?code=abc&state=xyz")

    assert BatonOIDCBackend().authenticate(request, username="alice", password="anything") is None


# --- the ID token -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keys():
    def pem_pair():
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return private, private.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"provider": pem_pair(), "forger": pem_pair()}


def token(private, **override):
    now = int(time.time())
    body = {"iss": ISSUER, "aud": "baton", "sub": "alice-sub", "iat": now, "exp": now + 300, "nonce": "n-1",
            **override}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, private, algorithm="RS256",
                      headers={"kid": "k1"})


@pytest.fixture
def verifier(sso_on, keys):
    sso_on.OIDC_RP_IDP_SIGN_KEY = keys["provider"][1]
    return BatonOIDCBackend()


def test_a_token_signed_by_the_provider_for_us_is_accepted(verifier, keys):
    assert verifier.verify_token(token(keys["provider"][0]), nonce="n-1")["sub"] == "alice-sub"


@pytest.mark.parametrize(("case", "override", "nonce"), [
    ("forged: signed by another key", {"_key": "forger"}, "n-1"),
    ("expired", {"exp": int(time.time()) - 120, "iat": int(time.time()) - 600}, "n-1"),
    ("another issuer", {"iss": "https://evil.example.test/o"}, "n-1"),
    ("another audience", {"aud": "someone-else"}, "n-1"),
    ("no expiry", {"exp": None}, "n-1"),
    ("no subject", {"sub": None}, "n-1"),
    ("a replayed nonce", {}, "n-2"),
    ("no nonce", {"nonce": None}, "n-1"),
])
def test_tokens_that_must_not_pass_are_refused(verifier, keys, case, override, nonce):
    key = keys[override.pop("_key", "provider")][0]

    with pytest.raises(SuspiciousOperation):
        verifier.verify_token(token(key, **override), nonce=nonce)


def test_an_unsigned_or_hmac_token_is_refused(verifier):
    unsigned = jwt.encode({"iss": ISSUER, "aud": "baton", "sub": "x", "nonce": "n-1"}, None, algorithm="none")
    hmac = jwt.encode({"iss": ISSUER, "aud": "baton", "sub": "x", "nonce": "n-1"}, "baton-secret" * 3,
                      algorithm="HS256")

    for bad in (unsigned, hmac, "not.a.token"):
        with pytest.raises(SuspiciousOperation):
            verifier.verify_token(bad, nonce="n-1")
