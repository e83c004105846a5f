"""The URL policy of the contracts policy pages and contract corrections (issue 21), merged into url_policy.POLICY.

Policy pages: the policy administrator changes the table; procurement leads and auditors read it (an action
answers them 403); everyone else gets 404. Corrections on a contract follow the page they belong to: the RACI and
the kickoff are the negotiation side's (any procurement lead), disputing an invoice is for whoever the RACI marks
Accountable for approving payments (the business owner of the live contract), as approving it is.
"""

from tests.security.url_policy import AUD, LEADS, C, L, _pk, act

POLICY_READERS = AUD | LEADS
CONTRACT_LEAD = {"sees": AUD, "acts": LEADS}

POLICY_CONTRACTS = {
    "contracts_policy:clause_playbook": act(right="policy_admin", sees=POLICY_READERS),
    "contracts_policy:kpi_templates": act(right="policy_admin", sees=POLICY_READERS),
    "contracts_policy:checkin_templates": act(right="policy_admin", sees=POLICY_READERS),
    "contracts_policy:reminder_lead_times": act(right="policy_admin", sees=POLICY_READERS),
    "contracts:raci_activity_remove": act(C(pk=_pk("raci_activity")), **CONTRACT_LEAD),
    "contracts:attendee_remove": act(C(pk=_pk("contract_attendee")), **CONTRACT_LEAD),
    "contracts:invoice_dispute": act(L(pk=_pk("invoice")), "owner", sees=AUD | LEADS),
    "contracts:invoice_dispute_resolve": act(L(pk=_pk("disputed_invoice")), "owner", sees=AUD | LEADS),
}
