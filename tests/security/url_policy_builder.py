"""The URL policy of the scorecard builder's pages (awards/views/builder.py) (issue 21)."""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, act, read, signed_in  # noqa: F401

BUILDER = {
}
