"""The URL policy of the OCDS publication pages (issue 19), merged into url_policy.POLICY; same Rule helpers.

Procurement leads see every procedure's publication state and decide (publish / withdraw with a reason);
auditors read the list and the packages and are refused the decisions (403); everyone else gets 403 on the
lists and 404 on a procedure's pages (contracts.ocds.policies). The bulk download answers 409 while nothing is
published (an OCDS package needs a release), which the matrix counts as getting through. The API's OCDS operations
answer every valid token alike (published data is public).
"""

from tests.security.url_policy import AUD, GET, LEADS, ROLE_IDENTITIES, P, Rule, act, read, signed_in  # noqa: F401

# The API (bearer tokens): published data is public to every read token, and the scenario publishes nothing, so
# every signed-in identity gets 404 for a procedure and for the bulk package; no token is 401 ("login").
UNPUBLISHED = {identity: 404 for identity in ("right", *ROLE_IDENTITIES)}

OCDS: dict = {
    "contracts:ocds_list": read(sees=AUD | LEADS, others=403),
    "contracts:ocds_bulk": read(sees=AUD | LEADS, others=403),
    "contracts:ocds_package": read(P(), sees=AUD | LEADS),
    "contracts:ocds_publish": act(P(), sees=AUD, acts=LEADS),
    "contracts:ocds_withdraw": act(P(), sees=AUD, acts=LEADS),
    "api:ocds_procedure": Rule(kwargs=P(), right=None, methods=GET, answers=UNPUBLISHED),
    "api:ocds_bulk": Rule(right=None, methods=GET, answers=UNPUBLISHED),
    "api:ocds_policy": signed_in(methods=GET),
}
