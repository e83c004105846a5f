"""The URL policy of templates and cloning (awards/views/templates.py) (issue 21), merged into url_policy.POLICY.

Templates are read by the people who take part in award procedures (every procurement lead, business owner,
evaluator and committee approver) and by auditors; post-award managers and people with no role get 404. Only
procurement leads save, version and retire them and start procedures (the others who read a template get 403).
Saving from a procedure and copying one go through the procedure's own visibility: 404 for those who cannot see
it (an unrelated business owner or evaluator), 403 for an auditor, who sees it and changes nothing.
"""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, act, read, signed_in  # noqa: F401

READERS = frozenset({"lead", "evaluator", "approver", "owner", "auditor"})
NOT_LEADS = READERS - LEADS


def _template(kind: str, attr: str):
    return lambda s: {"kind": kind, "slug": getattr(s, attr).slug}


TEMPLATES = {
    "awards:template_list": read(sees=READERS),
    "awards:template_detail": [read(_template("scorecard", "scorecard_template"), sees=READERS),
                               read(_template("setup", "procedure_template"), sees=READERS)],
    "awards:template_retire": [act(_template("scorecard", "scorecard_template"), sees=NOT_LEADS, acts=LEADS),
                               act(_template("setup", "procedure_template"), sees=NOT_LEADS, acts=LEADS)],
    "awards:template_save": [act(P(kind="scorecard"), sees=AUD, acts=LEADS),
                             act(P(kind="setup"), sees=AUD, acts=LEADS)],
    "awards:procedure_start": act(sees=(), acts=LEADS, methods=GET),
    "awards:procedure_start_from": [
        act(lambda s: {"kind": "copy", "key": s.procedure.reference}, sees=AUD, acts=LEADS),
        act(lambda s: {"kind": "scorecard", "key": s.scorecard_template.slug}, sees=NOT_LEADS, acts=LEADS),
        act(lambda s: {"kind": "setup", "key": s.procedure_template.slug}, sees=NOT_LEADS, acts=LEADS),
    ],
}
