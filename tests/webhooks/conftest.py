"""Fixtures of the webhooks tests: an administrator, and a real receiver (tests/webhook_receiver.py) served from
a thread on 127.0.0.1 for the tests that deliver."""

import threading

import pytest

from tests.factories.accounts import UserFactory
from tests.webhook_receiver import make_server


@pytest.fixture
def admin(db):
    return UserFactory(username="webhook-admin", is_staff=True, is_superuser=True)


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    """The receiver on a free port; `receiver.secret_file` holds the secret it checks against."""
    folder = tmp_path_factory.mktemp("receiver")
    server = make_server(0, secret_file=folder / "secret", log=folder / "received.jsonl",
                         redirect_paths={"/moved"})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def loopback_allowed(settings):
    """Settings that let a subscription point at the loopback receiver (as an administrator may allow)."""
    settings.BATON_WEBHOOK_ALLOW_HTTP = True
    settings.BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    return settings
