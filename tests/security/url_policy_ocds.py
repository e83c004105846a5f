"""The URL policy of the OCDS publication pages (issue 19), merged into url_policy.POLICY; same Rule helpers.

Procurement leads see every procedure's publication state and decide (publish / withdraw with a reason);
auditors read the list and the packages and are refused the decisions (403); everyone else gets 403 on the
lists and 404 on a procedure's pages (contracts.ocds.policies). The bulk download answers 409 while nothing is
published (an OCDS package needs a release), which the matrix counts as getting through.
"""

from tests.security.url_policy import AUD, LEADS, P, Rule, act, read, signed_in  # noqa: F401

OCDS: dict = {
    "contracts:ocds_list": read(sees=AUD | LEADS, others=403),
    "contracts:ocds_bulk": read(sees=AUD | LEADS, others=403),
    "contracts:ocds_package": read(P(), sees=AUD | LEADS),
    "contracts:ocds_publish": act(P(), sees=AUD, acts=LEADS),
    "contracts:ocds_withdraw": act(P(), sees=AUD, acts=LEADS),
}
