"""The client's address behind trusted proxies (procurement.client_address) and the sign-in lock-out keyed on it.

Addresses used below: PROXY is the nginx in front of Baton (REMOTE_ADDR of every proxied request), BALANCER a
load balancer in front of that nginx, CLIENT_A and CLIENT_B two people, FORGED what a client writes into
X-Forwarded-For itself.
"""

from __future__ import annotations

import environ
import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from ipware import get_client_ip
from python_ipware import IpWare

from procurement.client_address import client_address, forwarded_address
from procurement.conf import network
from tests.factories.accounts import TEST_PASSWORD

PROXY = "10.0.0.2"
BALANCER = "10.0.0.1"
CLIENT_A = "203.0.113.10"
CLIENT_B = "198.51.100.20"
FORGED = "192.0.2.99"


def _request(remote_addr: str, forwarded_for: str | None = None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


# --- no proxy in front (the default) ------------------------------------------------------------------------
def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(settings):
    settings.BATON_TRUSTED_PROXY_COUNT = 0

    assert client_address(_request(CLIENT_A, forwarded_for=FORGED)) == CLIENT_A
    assert client_address(_request(CLIENT_A, forwarded_for=f"{FORGED}, {CLIENT_B}")) == CLIENT_A
    assert client_address(_request(CLIENT_A)) == CLIENT_A


def test_an_unusable_remote_addr_gives_no_address(settings):
    settings.BATON_TRUSTED_PROXY_COUNT = 0

    assert client_address(_request("not-an-address", forwarded_for=FORGED)) is None


# --- one trusted proxy (nginx) ------------------------------------------------------------------------------
def test_with_one_trusted_proxy_the_address_it_appended_is_the_client(settings):
    settings.BATON_TRUSTED_PROXY_COUNT = 1

    # The client sent no X-Forwarded-For; nginx wrote CLIENT_A and connected from PROXY.
    assert client_address(_request(PROXY, forwarded_for=CLIENT_A)) == CLIENT_A


def test_with_one_trusted_proxy_forged_entries_on_the_left_are_ignored(settings):
    settings.BATON_TRUSTED_PROXY_COUNT = 1

    # The client wrote FORGED (and more) itself; nginx appended the address it really saw.
    assert client_address(_request(PROXY, forwarded_for=f"{FORGED}, {CLIENT_A}")) == CLIENT_A
    assert client_address(_request(PROXY, forwarded_for=f"{CLIENT_B}, {FORGED}, {CLIENT_A}")) == CLIENT_A
    # Junk, ports and quotes in the client's part cannot shift or swallow the proxy's entry.
    assert client_address(_request(PROXY, forwarded_for=f'not-an-ip, "{FORGED}, {CLIENT_A}')) == CLIENT_A
    assert client_address(_request(PROXY, forwarded_for=f"{FORGED}:443,, {CLIENT_A}")) == CLIENT_A


def test_with_one_trusted_proxy_a_request_that_bypassed_it_falls_back_to_remote_addr(settings):
    settings.BATON_TRUSTED_PROXY_COUNT = 1

    assert client_address(_request(PROXY)) == PROXY  # e.g. a health check from inside the network
    assert client_address(_request(PROXY, forwarded_for="")) == PROXY
    assert client_address(_request(PROXY, forwarded_for="garbage")) == PROXY


# --- two trusted proxies (a load balancer, then nginx) ------------------------------------------------------
def test_with_two_trusted_proxies_the_client_is_second_from_the_right(settings):
    settings.BATON_TRUSTED_PROXY_COUNT = 2

    # The balancer appended CLIENT_A; nginx appended the balancer; REMOTE_ADDR is nginx.
    assert client_address(_request(PROXY, forwarded_for=f"{CLIENT_A}, {BALANCER}")) == CLIENT_A
    assert client_address(_request(PROXY, forwarded_for=f"{FORGED}, {CLIENT_B}, {CLIENT_A}, {BALANCER}")) == CLIENT_A
    # Only one entry: it did not come through both proxies.
    assert client_address(_request(PROXY, forwarded_for=CLIENT_A)) == PROXY


# --- what python-ipware does, which client_address relies on ------------------------------------------------
def test_ipware_proxy_count_counts_the_proxies_listed_after_the_client_in_the_header():
    """ipware's proxy_count is not the number of proxies in front: the last proxy shows up only as REMOTE_ADDR,
    so one nginx means proxy_count 0, and client_address passes BATON_TRUSTED_PROXY_COUNT - 1."""
    xff = "HTTP_X_FORWARDED_FOR"

    def strict(count, header):
        ip, _ = IpWare(precedence=(xff,), proxy_count=count).get_client_ip({xff: header}, strict=True)
        return None if ip is None else str(ip)

    assert strict(0, CLIENT_A) == CLIENT_A
    assert strict(1, CLIENT_A) is None  # strict: exactly one listed proxy after the client, and there is none
    assert strict(1, f"{CLIENT_A}, {BALANCER}") == CLIENT_A
    assert strict(0, f"{FORGED}, {CLIENT_A}") is None  # strict refuses a header longer than the proxies write


def test_ipware_unstrict_on_the_whole_header_could_be_steered_so_the_client_part_is_cut_off_first():
    """Without strict, ipware skips what it cannot parse, and an unclosed quote swallows everything after it:
    fed the whole header, it would return the forged address. client_address never lets the client's part in."""
    xff = "HTTP_X_FORWARDED_FOR"
    header = f'{FORGED}, "{CLIENT_B}, {CLIENT_A}'  # the client wrote everything up to the last comma

    ip, _ = IpWare(precedence=(xff,), proxy_count=0).get_client_ip({xff: header}, strict=False)

    assert str(ip) == FORGED
    assert forwarded_address(header, 1) == CLIENT_A


# --- the settings ------------------------------------------------------------------------------------------
def test_settings_point_axes_at_client_address_and_read_the_count(monkeypatch):
    monkeypatch.setenv("BATON_TRUSTED_PROXY_COUNT", "1")

    values = network.settings_for(environ.Env())

    assert values["BATON_TRUSTED_PROXY_COUNT"] == 1
    assert values["AXES_CLIENT_IP_CALLABLE"] == "procurement.client_address.client_address"
    assert values["IPWARE_META_PRECEDENCE_ORDER"] == ("HTTP_X_FORWARDED_FOR",)
    assert values["IPWARE_META_PROXY_COUNT"] == 0
    assert values["IPWARE_STRICT"] is True


def test_the_count_defaults_to_no_proxy_and_refuses_a_negative_one(monkeypatch):
    monkeypatch.delenv("BATON_TRUSTED_PROXY_COUNT", raising=False)
    values = network.settings_for(environ.Env())
    assert values["BATON_TRUSTED_PROXY_COUNT"] == 0
    assert values["IPWARE_META_PRECEDENCE_ORDER"] == ("REMOTE_ADDR",)

    monkeypatch.setenv("BATON_TRUSTED_PROXY_COUNT", "-1")
    with pytest.raises(ImproperlyConfigured, match="BATON_TRUSTED_PROXY_COUNT"):
        network.settings_for(environ.Env())


@pytest.mark.parametrize("count", [0, 1])
def test_django_ipware_with_these_settings_never_returns_a_forged_address(settings, monkeypatch, count):
    """Other readers of django-ipware (django-structlog logs the address it returns) get the same answer as
    client_address, or none at all when the client prepended entries — never the client's choice."""
    monkeypatch.setenv("BATON_TRUSTED_PROXY_COUNT", str(count))
    for name, value in network.settings_for(environ.Env()).items():
        setattr(settings, name, value)

    direct = _request(CLIENT_A, forwarded_for=FORGED)  # sent straight to Baton
    proxied = _request(PROXY, forwarded_for=CLIENT_A)
    prepended = _request(PROXY, forwarded_for=f"{FORGED}, {CLIENT_A}")

    if count == 0:
        assert get_client_ip(direct)[0] == client_address(direct) == CLIENT_A
    else:
        assert get_client_ip(proxied)[0] == client_address(proxied) == CLIENT_A
        assert client_address(prepended) == CLIENT_A
        assert get_client_ip(prepended)[0] is None


# --- django-axes behind the proxy ---------------------------------------------------------------------------
@pytest.fixture
def alice(make_user):
    return make_user(username="alice")


def _sign_in(client, password: str, forwarded_for: str):
    """A sign-in as alice that came through nginx (REMOTE_ADDR = PROXY), which appended the client's address."""
    return client.post("/accounts/login/", {"username": "alice", "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


@pytest.mark.django_db
@pytest.mark.usefixtures("axes_enabled")
def test_wrong_guesses_from_one_client_behind_the_proxy_lock_out_only_that_client(client, alice, settings):
    settings.BATON_TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "wrong", forwarded_for=CLIENT_A).status_code == 200
    assert _sign_in(client, "wrong", forwarded_for=CLIENT_A).status_code == 429  # A is now paused

    # The lock-out was recorded against A's address, not the proxy's.
    attempt = AccessAttempt.objects.get(username="alice")
    assert attempt.ip_address == CLIENT_A
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT

    # alice herself, from B behind the same proxy, signs in.
    from django.test import Client

    from_b = Client()
    response = _sign_in(from_b, TEST_PASSWORD, forwarded_for=CLIENT_B)
    assert response.status_code == 302 and response.url == "/"
    assert from_b.session["_auth_user_id"] == str(alice.pk)

    # A stays paused, even with the right password...
    assert _sign_in(client, TEST_PASSWORD, forwarded_for=CLIENT_A).status_code == 429
    # ...and writing B's (or any) address into X-Forwarded-For does not help: nginx appends A's real address.
    assert _sign_in(client, TEST_PASSWORD, forwarded_for=f"{CLIENT_B}, {CLIENT_A}").status_code == 429
    assert _sign_in(client, TEST_PASSWORD, forwarded_for=f"{FORGED}, {CLIENT_B}, {CLIENT_A}").status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.usefixtures("axes_enabled")
def test_without_a_trusted_proxy_a_forged_header_cannot_escape_the_lock_out(client, alice, settings):
    settings.BATON_TRUSTED_PROXY_COUNT = 0

    def straight(password, forwarded_for):
        return client.post("/accounts/login/", {"username": "alice", "password": password},
                           REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=forwarded_for)

    for n in range(settings.AXES_FAILURE_LIMIT):
        straight("wrong", forwarded_for=f"{FORGED[:-2]}{n + 10}")  # a new forged address each time

    assert straight(TEST_PASSWORD, forwarded_for=CLIENT_B).status_code == 429
    assert AccessAttempt.objects.get(username="alice").ip_address == CLIENT_A


# --- the sign-off throttle logs the address, and counts per user whatever it is ----------------------------
@pytest.mark.django_db
def test_the_sign_off_throttle_logs_each_attempt_with_the_client_address_but_counts_per_user(
        make_user, settings, caplog):
    from django.core.cache import cache
    from django.core.exceptions import ValidationError

    from procurement import throttle

    cache.clear()
    settings.BATON_SIGNOFF_FAILURE_LIMIT = 2
    approver = make_user()
    caplog.set_level("WARNING", logger="procurement.throttle")

    with pytest.raises(ValidationError):
        throttle.check_password(approver, "wrong", wrong="Wrong.", client_address=CLIENT_A)
    with pytest.raises(ValidationError):  # another address does not start a new count
        throttle.check_password(approver, "wrong", wrong="Wrong.", client_address=CLIENT_B)
    with pytest.raises(ValidationError) as refused:
        throttle.check_password(approver, TEST_PASSWORD, wrong="Wrong.", client_address=FORGED)

    assert refused.value.message_dict["password"] == [throttle.refusal_message()]
    assert throttle.failures(approver) == 2
    lines = [r.getMessage() for r in caplog.records if r.name == "procurement.throttle"]
    assert len(lines) == 3
    assert "Wrong sign-off password 1 of 2" in lines[0] and CLIENT_A in lines[0]
    assert "Wrong sign-off password 2 of 2" in lines[1] and "paused" in lines[1] and CLIENT_B in lines[1]
    assert "Sign-off refused" in lines[2] and FORGED in lines[2] and approver.username in lines[2]
    cache.clear()
