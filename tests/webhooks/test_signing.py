"""The signature scheme: v1=hex(HMAC-SHA256(secret, f"{timestamp}.{body}")), and the example in docs/webhooks.md
verifies what Baton signs."""

import hashlib
import hmac
import re
import time
from pathlib import Path

import pytest

from procurement.webhooks import signing

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
SECRET = "whsec_test-secret"
BODY = b'{"event":"contract.signed","id":"1"}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex():
    value = signing.signature(SECRET, 1796484000, BODY)

    assert value == "v1=" + hmac.new(SECRET.encode(), b"1796484000." + BODY, hashlib.sha256).hexdigest()
    assert re.fullmatch(r"v1=[0-9a-f]{64}", value)


@pytest.mark.parametrize("change", ["body", "timestamp", "secret", "scheme", "stale", "future", "garbage"])
def test_anything_changed_fails_verification(change):
    now = 1796484000
    header, timestamp, body, secret = signing.signature(SECRET, now, BODY), str(now), BODY, SECRET
    if change == "body":
        body = BODY.replace(b"signed", b"signec")
    elif change == "timestamp":
        timestamp = str(now + 1)
    elif change == "secret":
        secret = SECRET + "x"
    elif change == "scheme":
        header = header.replace("v1=", "v0=")
    elif change == "stale":
        now += signing.DEFAULT_TOLERANCE + 1
    elif change == "future":
        now -= signing.DEFAULT_TOLERANCE + 1
    else:
        timestamp = "soon"

    assert signing.verify(SECRET, header=signing.signature(SECRET, 1796484000, BODY), timestamp="1796484000",
                          body=BODY, now=1796484000)
    assert not signing.verify(secret, header=header, timestamp=timestamp, body=body, now=now)


def test_the_documented_python_example_verifies_a_baton_signature():
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    check = namespace["baton_signature_is_valid"]
    now = int(time.time())
    headers = {"Baton-Timestamp": str(now), "Baton-Signature": signing.signature(SECRET, now, BODY)}

    assert check(SECRET, headers, BODY) is True
    assert check(SECRET, headers, BODY + b" ") is False
    assert check("another secret", headers, BODY) is False
    assert check(SECRET, {**headers, "Baton-Timestamp": str(now - 3600),
                          "Baton-Signature": signing.signature(SECRET, now - 3600, BODY)}, BODY) is False
