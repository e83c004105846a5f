"""The URL policy of the contracts policy pages and contract corrections (issue 21), merged into url_policy.POLICY."""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, act, read, signed_in  # noqa: F401

POLICY_CONTRACTS = {
}
