"""The URL policy of the policy index and the awards and vendors policy pages (issue 21).

The policy administrator changes a table on its page; procurement leads and auditors read every table, its
versions and the index; everyone else gets 404. A table's page answers a reader's GET with the table read-only and
their POST with 403 (the matrix has one answer per identity, so it accepts either for readers; the page tests,
tests/policies/test_policy_pages_awards_vendors.py, hold GET 200 and POST 403 apart).
"""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, read

POLICY_READERS = AUD | LEADS
READ_OR_REFUSED = {identity: frozenset({"ok", 403}) for identity in POLICY_READERS}


def table_page():
    return read(right="policy_admin", sees=POLICY_READERS, methods=GET_POST, answers=dict(READ_OR_REFUSED))


POLICY_AWARDS_VENDORS = {
    "policy:index": read(right="policy_admin", sees=POLICY_READERS, methods=GET),
    "policy:versions": [read(lambda s, key=key: {"table": key}, right="policy_admin", sees=POLICY_READERS,
                             methods=GET) for key in ("committees", "tiering_rules")],
    "awards_policy:committees": table_page(),
    "awards_policy:approval_matrix": table_page(),
    "vendors_policy:dd_plans": table_page(),
    "vendors_policy:tiering_rules": table_page(),
    "vendors_policy:risk_acceptance": table_page(),
}
