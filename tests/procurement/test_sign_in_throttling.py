"""Sign-in throttling: keyed on username + address, with a cool-off instead of a permanent lock."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("axes_enabled")]


def _attempt(client, username, password, ip="10.1.2.3"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_pause_that_username_from_that_address(client, lead, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, lead.username, "wrong").status_code == 200
    assert _attempt(client, lead.username, "wrong").status_code == 429  # the fifth failure starts the pause

    locked = _attempt(client, lead.username, TEST_PASSWORD)  # even the right password waits

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_pause_is_a_cool_off_not_a_permanent_lock(client, lead, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _attempt(client, lead.username, "wrong")
        assert _attempt(client, lead.username, TEST_PASSWORD).status_code == 429

    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + timedelta(seconds=5), tick=False):
        response = _attempt(client, lead.username, TEST_PASSWORD)

    assert response.status_code == 302 and response.url == "/"


def test_the_same_username_from_another_address_and_other_users_are_not_blocked(client, lead, auditor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, lead.username, "wrong")

    assert _attempt(client, auditor.username, TEST_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert _attempt(client, lead.username, TEST_PASSWORD, ip="10.9.9.9").status_code == 302


def test_a_success_resets_the_count(client, lead, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(client, lead.username, "wrong")
    assert _attempt(client, lead.username, TEST_PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(client, lead.username, "wrong")

    assert _attempt(client, lead.username, TEST_PASSWORD).status_code == 302
