"""The URL policy of the contracts policy pages and contract corrections (issue 21), merged into url_policy.POLICY.

Policy pages: the policy administrator changes the table; procurement leads and auditors read it (their GET
shows the table read-only, their POST is 403: the matrix has one answer per identity, so it accepts either for
readers; tests/contracts/test_policy_pages.py holds GET 200 and POST 403 apart); everyone else gets 404.

Corrections on a contract follow the page they belong to: the RACI and the kickoff are the negotiation side's
(any procurement lead), disputing an invoice is for whoever the RACI marks
Accountable for approving payments (the business owner of the live contract), as approving it is.
"""

from tests.security.url_policy import AUD, GET_POST, LEADS, C, L, _pk, act, read

POLICY_READERS = AUD | LEADS
READ_OR_REFUSED = {identity: frozenset({"ok", 403}) for identity in POLICY_READERS}
CONTRACT_LEAD = {"sees": AUD, "acts": LEADS}



def table_page():
    return read(right="policy_admin", sees=POLICY_READERS, methods=GET_POST, answers=dict(READ_OR_REFUSED))


POLICY_CONTRACTS = {
    "contracts_policy:clause_playbook": table_page(),
    "contracts_policy:kpi_templates": table_page(),
    "contracts_policy:checkin_templates": table_page(),
    "contracts_policy:reminder_lead_times": table_page(),
    "contracts:raci_activity_remove": act(C(pk=_pk("raci_activity")), **CONTRACT_LEAD),
    "contracts:attendee_remove": act(C(pk=_pk("contract_attendee")), **CONTRACT_LEAD),
    "contracts:invoice_dispute": act(L(pk=_pk("invoice")), "owner", sees=AUD | LEADS),
    "contracts:invoice_dispute_resolve": act(L(pk=_pk("disputed_invoice")), "owner", sees=AUD | LEADS),
}
