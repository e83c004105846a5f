"""The URL policy of templates and cloning (awards/views/templates.py) (issue 21), merged into url_policy.POLICY."""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, act, read, signed_in  # noqa: F401

TEMPLATES = {
}
