"""With the shared cache unreachable, sign-off goes on and wrong passwords are still counted and paused (in the
process's own memory), never a server error and never unlimited guesses."""

import socket

import pytest
from django.core.exceptions import ValidationError

from procurement import throttle
from tests.factories.accounts import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable_cache(settings):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there: every connection is refused at once
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/1",
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    throttle._fallback.clear()
    yield
    throttle._fallback.clear()


def test_the_right_password_signs_with_the_cache_down(unreachable_cache, caplog):
    user = UserFactory()
    throttle.check_password(user, TEST_PASSWORD, wrong="wrong")
    assert "Shared cache unreachable" in caplog.text


def test_wrong_passwords_still_pause_signing_with_the_cache_down(unreachable_cache, settings):
    settings.BATON_SIGNOFF_FAILURE_LIMIT = 3
    user = UserFactory()
    for _ in range(2):
        with pytest.raises(ValidationError) as refused:
            throttle.check_password(user, "not-it", wrong="That is not your password.")
        assert refused.value.message_dict["password"] == ["That is not your password."]
    with pytest.raises(ValidationError) as paused:
        throttle.check_password(user, "not-it", wrong="That is not your password.")
    assert paused.value.message_dict["password"] == [throttle.refusal_message()]
    with pytest.raises(ValidationError) as still:  # even the right password waits out the cool-off
        throttle.check_password(user, TEST_PASSWORD, wrong="That is not your password.")
    assert still.value.message_dict["password"] == [throttle.refusal_message()]
