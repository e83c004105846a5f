"""A request for a host Baton does not serve is refused with Baton's 400 page, never a server error."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/health/live/", "/no-such-page/"])
def test_a_host_not_in_allowed_hosts_gets_a_400_page(path):
    client = Client(raise_request_exception=False)
    response = client.get(path, HTTP_HOST="intruder.example")
    assert response.status_code == 400
    assert b"Traceback" not in response.content
