"""The URL policy of the set-up pages (awards/views/setup.py) (issue 21), merged into url_policy.POLICY."""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, act, read, signed_in  # noqa: F401

SETUP = {
}
