"""The URL policy of the policy index and the awards and vendors policy pages (issue 21).

The policy administrator changes a table on its page; procurement leads and auditors read every table, its
versions and the index (a POST answers them 403); everyone else gets 404.
"""

from tests.security.url_policy import AUD, GET, LEADS, act, read

POLICY_READERS = AUD | LEADS

POLICY_AWARDS_VENDORS = {
    "policy:index": read(right="policy_admin", sees=POLICY_READERS, methods=GET),
    "policy:versions": [read(lambda s, key=key: {"table": key}, right="policy_admin", sees=POLICY_READERS,
                             methods=GET) for key in ("committees", "tiering_rules")],
    "awards_policy:committees": act(right="policy_admin", sees=POLICY_READERS),
    "awards_policy:approval_matrix": act(right="policy_admin", sees=POLICY_READERS),
    "vendors_policy:dd_plans": act(right="policy_admin", sees=POLICY_READERS),
    "vendors_policy:tiering_rules": act(right="policy_admin", sees=POLICY_READERS),
    "vendors_policy:risk_acceptance": act(right="policy_admin", sees=POLICY_READERS),
}
