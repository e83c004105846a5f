"""The URL policy of the set-up pages (awards/views/setup.py) (issue 21), merged into url_policy.POLICY.

Changing an evaluator's groups and unassigning them are the lead's (other leads and auditors see the procedure:
403). Revising a declaration is the declaring evaluator's own: anyone else, the lead included, gets 404 (the
version in force is not theirs to reach).
"""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, act, read, signed_in  # noqa: F401


def _pk(attr):
    return lambda s: getattr(s, attr).pk


SETUP = {
    "awards:evaluator_groups": act(P(pk=_pk("setup_assignment"))),
    "awards:evaluator_unassign": act(P(pk=_pk("setup_assignment"))),
    "awards:coi_revise": act(P(pk=_pk("setup_own_declaration")), "evaluator", sees=()),
}
