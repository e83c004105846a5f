"""Single sign-on against a real OpenID Connect provider (tests/oidc_provider: django-oauth-toolkit, its own
process on 127.0.0.1), with Baton as pytest-django's live server and a real HTTP client walking the browser's
path: Baton's authenticate -> the provider's sign-in form -> (no consent: skip_authorization) -> Baton's
callback -> signed in, or back on Baton's sign-in page with a sentence saying why not.

The provider is started once for the module and stopped by its process id; each test starts from a new browser
(a new requests.Session), so it signs in at the provider afresh.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.auth.models import Group

from procurement.accounts.models import User
from procurement.accounts.roles import Role
from procurement.sso.models import ExternalIdentity
from tests.cluster import free_port
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.security.figures import record

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "baton", secrets.token_urlsafe(24)
PASSWORD = "provider-pass"  # noqa: S105 - the test provider's users
ROLE_MAP = (("baton-leads", Role.PROCUREMENT_LEAD), ("baton-evaluators", Role.EVALUATOR),
            ("risk-and-audit", Role.AUDITOR))
USERS = {"alice": "baton-users,baton-evaluators", "bob": "baton-users,baton-leads", "carol": "baton-users",
         "dave": "baton-users,baton-evaluators", "erin": "baton-users"}


class Provider:
    def __init__(self, url: str, token: str, process: subprocess.Popen, log: Path):
        self.url, self.token, self.process, self.log = url, token, process, log

    def control(self, **body) -> None:
        response = requests.post(f"{self.url}/control/", json=body, timeout=10,
                                 headers={"Authorization": f"Bearer {self.token}"})
        response.raise_for_status()


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("oidc-provider")
    # A random token may begin with "-"; "--option=value" keeps argparse from reading it as an option.
    port, token = free_port(), secrets.token_urlsafe(16)
    log = workdir / "provider.log"
    argv = [sys.executable, "-m", "tests.oidc_provider", "--port", str(port), "--dir", str(workdir),
            "--redirect-uri", f"{live_server.url}/sso/callback/", "--client-id", CLIENT_ID,
            f"--client-secret={CLIENT_SECRET}", f"--control-token={token}"]
    for name, groups in USERS.items():
        argv += ["--user", f"{name}:{PASSWORD}:{groups}"]
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "S3_BUCKET", "DJANGO_SETTINGS_MODULE")}
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the test provider exited early:\n{log.read_text()[-2000:]}")
            try:
                if requests.get(f"{url}/ready/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the test provider did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield Provider(url, token, process, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def sso(settings, provider, live_server):
    """Baton's settings pointing at the provider, as procurement.conf.sso makes them from the environment."""
    issuer = f"{provider.url}/o"
    settings.BATON_SSO_ENABLED = True
    settings.BATON_SSO_PROVIDER_NAME = "Test ID"
    settings.BATON_SSO_ROLE_MAP = ROLE_MAP
    settings.BATON_SSO_GROUPS_CLAIM = "groups"
    settings.BATON_SSO_ACCESS_GROUP = "baton-users"
    settings.BATON_SSO_STATUS_CLAIM = "account_status"
    settings.BATON_LOCAL_LOGIN = "on"
    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/.well-known/jwks.json"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # plain HTTP on loopback
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "procurement.sso.backends.BatonOIDCBackend"]
    provider.control(id_token="normal")
    yield live_server.url
    provider.control(id_token="normal")


class Browser:
    """A person's browser: one cookie jar for Baton and the provider, redirects followed by hand."""

    def __init__(self, baton: str):
        self.baton = baton
        self.http = requests.Session()

    def get(self, url: str) -> requests.Response:
        return self.http.get(url, allow_redirects=False, timeout=20)

    def to_callback(self, username: str) -> str:
        """Start at Baton, sign in at the provider; the callback address the provider sends the browser to."""
        response = self.get(f"{self.baton}/sso/authenticate/")
        assert response.status_code == 302
        authorize = response.headers["Location"]
        response = self.get(authorize)
        assert response.status_code == 302 and "/accounts/login/" in response.headers["Location"]
        login = urljoin_same(authorize, response.headers["Location"])
        form = self.get(login)
        csrf = self.http.cookies.get("provider_csrftoken")
        next_url = re.search(r'name="next" value="([^"]*)"', form.text).group(1).replace("&amp;", "&")
        response = self.http.post(login, data={"username": username, "password": PASSWORD, "next": next_url,
                                               "csrfmiddlewaretoken": csrf}, allow_redirects=False, timeout=20)
        assert response.status_code == 302, response.text[:500]
        response = self.get(urljoin_same(authorize, response.headers["Location"]))
        assert response.status_code == 302 and "/sso/callback/" in response.headers["Location"], \
            response.headers.get("Location")
        return response.headers["Location"]

    def finish(self, callback: str) -> tuple[bool, str]:
        """Follow the callback; (signed in?, the sentence on the sign-in page if not)."""
        response = self.get(callback)
        record("single sign-on attempts")
        assert response.status_code == 302, f"the callback answered {response.status_code}"
        landing = self.http.get(f"{self.baton}{response.headers['Location']}"
                                if response.headers["Location"].startswith("/") else response.headers["Location"],
                                timeout=20)
        assert landing.status_code == 200, landing.status_code
        signed_in = "/accounts/login/" not in landing.url
        message = re.search(r'<li class="message message-error">(.*?)</li>', landing.text, re.S)
        return signed_in, (html.unescape(message.group(1)) if message else "")

    def sign_in(self, username: str) -> tuple[bool, str]:
        return self.finish(self.to_callback(username))


def urljoin_same(base: str, location: str) -> str:
    if location.startswith("/"):
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}{location}"
    return location


def refused(ok: bool, message: str, expected: str) -> None:
    """Count a refusal that must happen; the sentence must say why."""
    if ok:
        record("single sign-on attempts/wrongly accepted")
    assert not ok, "signed in although it must be refused"
    assert expected in message, message
    record("single sign-on attempts/refused as they should be")


def roles_of(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_first_sign_in_creates_the_user_with_the_mapped_roles_and_no_password(sso, provider):
    ok, message = Browser(sso).sign_in("alice")

    assert ok, message
    alice = User.objects.get(username="alice")
    assert alice.is_active and not alice.has_usable_password()
    assert alice.email == "alice@provider.example.test"
    assert roles_of("alice") == {Role.EVALUATOR}
    identity = ExternalIdentity.objects.get(user=alice)
    assert identity.issuer == f"{provider.url}/o" and identity.subject.isdigit()  # DOT's sub: its user's id
    assert alice.history.filter(history_change_reason="Roles from the identity provider: +Evaluator").exists()
    record("single sign-on attempts/wrongly accepted", 0)


def test_a_changed_group_at_the_provider_changes_the_roles_at_the_next_sign_in(sso, provider):
    assert Browser(sso).sign_in("bob")[0]
    assert roles_of("bob") == {Role.PROCUREMENT_LEAD}
    bob = User.objects.get(username="bob")
    bob.groups.add(Group.objects.get(name=Role.COMMITTEE_APPROVER))  # granted by hand inside Baton

    provider.control(user="bob", groups=["baton-users", "risk-and-audit"])
    ok, message = Browser(sso).sign_in("bob")

    assert ok, message
    assert roles_of("bob") == {Role.AUDITOR, Role.COMMITTEE_APPROVER}
    change = bob.history.get(history_change_reason="Roles from the identity provider: +Auditor -Procurement lead")
    assert change.history_user_id == bob.pk  # the person's own sign-in made the change


def test_a_user_the_provider_disables_or_withdraws_from_baton_is_refused_and_deactivated(sso, provider):
    assert Browser(sso).sign_in("carol")[0]
    assert Browser(sso).sign_in("dave")[0]

    provider.control(user="carol", groups=["baton-users", "disabled"])  # account_status: disabled
    provider.control(user="dave", groups=["baton-evaluators"])  # no longer assigned to Baton

    refused(*Browser(sso).sign_in("carol"), "the identity provider reports the account as disabled")
    refused(*Browser(sso).sign_in("dave"), "no longer gives this account the 'baton-users' group")
    for name, said in (("carol", "reports the account as disabled"),
                       ("dave", "no longer gives this account the 'baton-users' group")):
        person = User.objects.get(username=name)  # deactivated, never deleted
        assert not person.is_active
        assert person.history.latest("history_id").history_change_reason == \
            f"Deactivated at sign-in: the identity provider {said}"[:100]

    provider.control(user="carol", groups=["baton-users"])  # enabled again at the provider: Baton still says no
    refused(*Browser(sso).sign_in("carol"), "Your Baton account is deactivated")
    assert not User.objects.get(username="carol").is_active


def test_a_forged_an_expired_or_a_wrong_nonce_id_token_from_the_provider_is_refused(sso, provider):
    for mode in ("forged", "expired", "nonce"):
        provider.control(id_token=mode)

        refused(*Browser(sso).sign_in("erin"), "Baton could not verify this sign-in with Test ID")

    assert not User.objects.filter(username="erin").exists()
    provider.control(id_token="normal")
    assert Browser(sso).sign_in("erin")[0]  # the same person, honest tokens: in


def test_a_callback_with_a_wrong_state_is_refused_and_a_replayed_callback_too(sso):
    browser = Browser(sso)
    callback = browser.to_callback("erin")
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}

    tampered = urlunsplit(parts._replace(query=urlencode({**query, "state": "x" + query["state"][1:]})))
    refused(*browser.finish(tampered), "Baton could not verify this sign-in")
    # The tampered attempt did not consume the real state: the genuine callback still works, once.
    ok, message = browser.finish(callback)
    assert ok, message

    # The callback address replayed by another browser (a stolen link): with no flow of its own, and with a flow
    # of its own (another state in its session).
    refused(*Browser(sso).finish(callback), "Baton could not verify this sign-in")
    thief = Browser(sso)
    thief.get(f"{sso}/sso/authenticate/")
    refused(*thief.finish(callback), "Baton could not verify this sign-in")


def test_local_login_off_refuses_a_password_but_sso_still_signs_in(sso, settings):
    settings.BATON_LOCAL_LOGIN = "off"
    settings.AUTHENTICATION_BACKENDS = ["procurement.sso.backends.LocalPasswordBackend"
                                        if path.endswith(".ModelBackend") else path
                                        for path in settings.AUTHENTICATION_BACKENDS]
    local = UserFactory(username="local-lead", roles=[Role.PROCUREMENT_LEAD])
    http = requests.Session()
    page = http.get(f"{sso}/accounts/login/", timeout=20)
    assert 'name="password"' not in page.text and "Sign in with Test ID" in page.text

    response = http.post(f"{sso}/accounts/login/", data={"username": local.username, "password": TEST_PASSWORD,
                                                         "csrfmiddlewaretoken": http.cookies["csrftoken"]},
                         headers={"Referer": f"{sso}/accounts/login/"}, timeout=20)

    record("single sign-on attempts")
    ok = "/accounts/login/" not in http.get(f"{sso}/", timeout=20).url
    refused(ok, response.text, "Password sign-in is switched off for Baton")
    assert Browser(sso).sign_in("alice")[0]
