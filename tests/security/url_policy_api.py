"""The URL policy of the api endpoints (issue 19), merged into url_policy.POLICY; same Rule helpers."""

from tests.security.url_policy import Rule, act, read, signed_in  # noqa: F401

API: dict = {}
