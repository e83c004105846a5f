"""The request id (procurement.conf.observability): taken from the proxy when well formed, otherwise generated,
echoed in the response and present in the JSON log line of the request."""

import io
import json
import logging
import re

import pytest
import structlog

from procurement.conf.observability import logging_config, well_formed_request_id

pytestmark = pytest.mark.django_db
GENERATED = re.compile(r"[0-9a-f]{32}")


def test_a_well_formed_incoming_id_is_kept_and_echoed(client):
    response = client.get("/health/live/", HTTP_X_REQUEST_ID="proxy-7f3a9c1e.42")
    assert response["X-Request-ID"] == "proxy-7f3a9c1e.42"


@pytest.mark.parametrize("incoming", ["short", "has space inside it", "x" * 129, "evil\r\nSet-Cookie:a=b",
                                      "<script>alert(1)</script>", "-starts-with-a-dash"])
def test_a_malformed_incoming_id_is_replaced(client, incoming):
    response = client.get("/health/live/", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_without_an_incoming_id_each_request_gets_its_own(client):
    first, second = client.get("/health/live/")["X-Request-ID"], client.get("/health/live/")["X-Request-ID"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_the_shape_of_an_id():
    assert well_formed_request_id("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    assert not well_formed_request_id("") and not well_formed_request_id(None)


@pytest.fixture
def json_log(monkeypatch):
    """Logging configured as LOG_FORMAT=json configures it, into a buffer; restored afterwards."""
    import environ
    from django.conf import settings

    monkeypatch.setenv("LOG_FORMAT", "json")
    config = logging_config(environ.Env())
    config["handlers"]["console"]["stream"] = buffer = io.StringIO()
    logging.config.dictConfig(config)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)
    structlog.contextvars.clear_contextvars()


def log_lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_the_request_log_line_is_json_with_the_request_id(client, json_log, lead):
    client.force_login(lead)
    session_cookie = client.cookies["sessionid"].value
    response = client.get("/healthz/page/?token=s3cret-value", HTTP_X_REQUEST_ID="trace-0123456789")
    assert response.status_code == 200

    lines = log_lines(json_log)
    finished = [line for line in lines if line["event"] == "request_finished"]
    assert len(finished) == 1
    assert finished[0]["request_id"] == "trace-0123456789"
    assert finished[0]["code"] == 200 and finished[0]["user_id"] == lead.pk
    assert all(line.get("request_id") == "trace-0123456789" for line in lines if line["event"].startswith("request"))
    text = json_log.getvalue()
    assert "s3cret-value" not in text and session_cookie not in text


def test_secrets_never_reach_a_log_line(json_log):
    logging.getLogger("baton.test").warning("fetched %s", "/calendar/AbCdEf0123456789-_xyz.ics?key=zz9")
    structlog.get_logger("baton.test").info("login", password="hunter2-long", token="t0k3n", user="ann")

    text = json_log.getvalue()
    assert "AbCdEf0123456789-_xyz" not in text and "zz9" not in text
    assert "hunter2-long" not in text and "t0k3n" not in text
    lines = log_lines(json_log)
    assert lines[0]["level"] == "warning" and "/calendar/[redacted].ics" in lines[0]["event"]
    assert lines[1]["user"] == "ann" and lines[1]["password"] == "[redacted]"


def test_the_log_line_carries_the_real_client_address_not_a_forged_one(client, json_log, lead, settings):
    settings.BATON_TRUSTED_PROXY_COUNT = 1  # one nginx, which appends the address it saw
    client.force_login(lead)
    response = client.get("/healthz/page/", REMOTE_ADDR="10.0.0.2",
                          HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.7")  # forged first, the proxy's last
    assert response.status_code == 200
    finished = [line for line in log_lines(json_log) if line["event"] == "request_finished"]
    assert [line["client_ip"] for line in finished] == ["203.0.113.7"]
    assert "198.51.100.66" not in json_log.getvalue()
