"""The URL policy of the OCDS publication pages (issue 19), merged into url_policy.POLICY; same Rule helpers."""

from tests.security.url_policy import Rule, act, read, signed_in  # noqa: F401

OCDS: dict = {}
