"""The request-forgery guard against a corpus of URLs a careless or hostile administrator might enter."""

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured

from procurement.conf.webhooks import settings_for
from procurement.webhooks.urlsafety import UnsafeUrl, check_url
from tests.security.figures import record

BAD = {
    "https://127.0.0.1/hook": "loopback",
    "https://10.0.0.8/hook": "private",
    "https://172.16.5.4/hook": "private",
    "https://192.168.1.1/hook": "private",
    "https://169.254.169.254/latest/meta-data/": "link-local",
    "https://[::1]/hook": "loopback",
    "https://[fe80::1]/hook": "link-local",
    "https://[fd00::1]/hook": "private",
    "https://0x7f.1/hook": "unusual form",
    "https://0x7f000001/hook": "unusual form",
    "https://2130706433/hook": "unusual form",
    "https://0177.0.0.1/hook": "unusual form",
    "https://127.1/hook": "unusual form",
    "https://[::ffff:127.0.0.1]/hook": "address",
    "https://[::ffff:169.254.169.254]/hook": "address",
    "https://[2002:7f00:1::]/hook": "loopback",  # 6to4 wrapping 127.0.0.1
    "https://[64:ff9b::a9fe:a9fe]/hook": "address",  # NAT64 wrapping 169.254.169.254
    "https://0.0.0.0/hook": "unspecified",
    "https://[::]/hook": "unspecified",
    "https://224.0.0.1/hook": "multicast",
    "https://100.64.0.1/hook": "non-public",
    "https://240.0.0.1/hook": "address",
    "https://localhost/hook": "resolves to",
    "https://localhost./hook": "resolves to",
    "http://8.8.8.8/hook": "https://",
    "ftp://8.8.8.8/hook": "https://",
    "file:///etc/passwd": "https://",
    "gopher://8.8.8.8:70/_": "https://",
    "https://user:pass@8.8.8.8/hook": "user name",
    "https://8.8.8.8@127.0.0.1/hook": "user name",
    "https://8.8.8.8/hook#frag": "fragment",
    "https://8.8.8.8:99999/hook": "port",
    "https://8.8.8.8:0/hook": "port",
    "https:///hook": "no host",
    "https://8.8.8.8\\@127.0.0.1/": "backslashes",
    "https://8.8.8.8/ho ok": "spaces",
    "https://no-such-host.invalid/hook": "could not be resolved",
    "https://[fe80::1%25eth0]/hook": "zone",
    "": "Give the URL",
    "https://" + "a" * 2000 + ".com/": "longer than",
}


@pytest.mark.parametrize(("url", "words"), BAD.items(), ids=list(range(len(BAD))))
def test_unsafe_urls_are_refused_with_a_sentence(settings, url, words):
    settings.BATON_WEBHOOK_ALLOWED_HOSTS = []
    settings.BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS = []
    settings.BATON_WEBHOOK_ALLOW_HTTP = False

    with pytest.raises(UnsafeUrl) as refused:
        check_url(url)

    assert words in str(refused.value)
    record("webhook URLs refused", 1)


def test_a_public_address_is_accepted_and_pinned(settings):
    settings.BATON_WEBHOOK_ALLOWED_HOSTS = []

    target = check_url("https://8.8.8.8:8443/hooks/baton?x=1")

    assert (target.scheme, target.host, target.port, target.path) == ("https", "8.8.8.8", 8443,
                                                                       "/hooks/baton?x=1")
    assert target.address == "8.8.8.8" and target.host_header == "8.8.8.8:8443"
    assert check_url("https://[2001:4860:4860::8888]/").host_header == "[2001:4860:4860::8888]"


def test_the_allow_list_names_the_hosts_webhooks_may_reach(settings):
    settings.BATON_WEBHOOK_ALLOWED_HOSTS = [".partner.example", "8.8.4.4"]

    assert check_url("https://8.8.4.4/").address == "8.8.4.4"
    for url in ("https://8.8.8.8/", "https://partner.example.evil.test/", "https://evilpartner.example/"):
        with pytest.raises(UnsafeUrl, match="not on the list"):
            check_url(url)


def test_a_listed_host_must_still_resolve_to_public_addresses(settings):
    settings.BATON_WEBHOOK_ALLOWED_HOSTS = ["localhost"]

    with pytest.raises(UnsafeUrl, match="localhost resolves to .*loopback"):
        check_url("https://localhost/hook")


def test_an_allowed_private_network_lets_an_internal_receiver_in(settings):
    settings.BATON_WEBHOOK_ALLOW_HTTP = True
    settings.BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS = ["127.0.0.0/8", "10.20.0.0/16"]

    assert check_url("http://localhost:8123/in").address.startswith("127.")
    assert check_url("https://10.20.3.4/in").address == "10.20.3.4"
    # its IPv4 is in an allowed network (compared as addresses: 3.12 and 3.13 spell a mapped address differently)
    assert ipaddress.ip_address(check_url("https://[::ffff:127.0.0.1]/").host) == ipaddress.ip_address("::ffff:7f00:1")
    for url in ("https://10.21.0.1/in", "https://169.254.169.254/", "https://[::1]/"):
        with pytest.raises(UnsafeUrl):
            check_url(url)


def test_the_settings_are_read_from_the_environment_and_a_malformed_network_stops_start_up(monkeypatch):
    import environ

    monkeypatch.setenv("BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "10.20.0.0/16, 127.0.0.1")
    monkeypatch.setenv("BATON_WEBHOOK_ALLOWED_HOSTS", "Hooks.Partner.Example.")
    read = settings_for(environ.Env())
    assert read["BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS"] == ["10.20.0.0/16", "127.0.0.1/32"]
    assert read["BATON_WEBHOOK_ALLOWED_HOSTS"] == ["hooks.partner.example"]
    assert read["BATON_WEBHOOK_ALLOW_HTTP"] is False and read["BATON_WEBHOOK_MAX_ATTEMPTS"] == 8

    monkeypatch.setenv("BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "not-a-network")
    with pytest.raises(ImproperlyConfigured, match="not-a-network"):
        settings_for(environ.Env())
