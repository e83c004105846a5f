"""The URL policy of the policy index and the awards and vendors policy pages (issue 21)."""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, act, read, signed_in  # noqa: F401

POLICY_AWARDS_VENDORS = {
}
