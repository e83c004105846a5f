"""The URL policy of the sso endpoints (issue 19), merged into url_policy.POLICY; same Rule helpers.

Both endpoints are public like the sign-in page. The matrix runs with single sign-on off (no OIDC settings), so
both answer 404 to everyone ("single sign-on is not set up"); with it on, tests/sso and
tests/integration/test_sso.py walk them against a real provider.
"""

from tests.security.url_policy import GET, Rule

SSO: dict = {
    "sso:authenticate": Rule(right=None, methods=GET, public=True, answers={"*": 404}),
    "sso:callback": Rule(right=None, methods=GET, public=True, answers={"*": 404}),
}
