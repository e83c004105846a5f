"""The URL policy of the scorecard builder's pages (awards/views/builder.py) (issue 21)."""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, _pk, act, read, signed_in  # noqa: F401

# The builder page reads for everyone who sees the procedure (other leads, auditors) and saves for its lead only:
# those readers get the page on GET and 403 on POST (tests/awards/test_builder_views.py asserts both).
READS_NOT_SAVES = frozenset({"ok", 403})

BUILDER = {
    "awards:scorecard_builder": read(P(), methods=GET_POST,
                                     answers={"lead": READS_NOT_SAVES, "auditor": READS_NOT_SAVES}),
    "awards:scorecard_builder_row": act(P(section="crit"), methods=POST),
    "awards:scorecard_builder_preview": act(P(), methods=POST),
    "awards:scorecard_export": read(P()),
    "awards:scorecard_import": act(P(), methods=POST),
    "awards:pov_criterion_remove": act(P(pk=_pk("bid"), criterion_id=_pk("pov_criterion"))),
}
