"""The URL policy of the lists and the portfolio (issue 21), merged into url_policy.POLICY.

The lists answer every signed-in person with the rows their policies let them see (an empty list for someone who
sees nothing: tests/contracts/test_lists.py checks the rows); the portfolio is a role page for procurement leads
and auditors, and refuses everyone else signed in with 403, like the global audit log."""

from tests.security.url_policy import AW, GET, read, signed_in

LISTS = {
    "contracts:invoice_list": signed_in(methods=GET),
    "contracts:kpi_list": signed_in(methods=GET),
    "contracts:obligation_list": signed_in(methods=GET),
    "vendors:risk_list": signed_in(methods=GET),
    "contracts:portfolio": read(right="lead", sees=AW, others=403),
}
