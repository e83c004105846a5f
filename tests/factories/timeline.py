"""Test data for procedures whose RFP is already out: the passing of time, without a frozen clock.

Fixtures issue an RFP today (with a timeline that meets the tier minimums), record the bids, then need the
proposals to be closed, as they would be some weeks later. Once the RFP is issued the service refuses to move
the issue date or bring the due date forward without waivers (issue 17, finding 3): that rule is about people
changing what bidders were told, not about the calendar moving on. So the fixtures shift the stored dates here,
as a clock moved forward would make them look, with a history reason that says it is test data.
"""

from procurement.services import model_update

TIMELINE = ("rfp_issue_date", "question_deadline", "proposals_due", "demo_start", "demo_end", "target_award_date")


def age_timeline(procedure, *, actor, **dates):
    """Store `dates` on an issued procedure as if the days had passed (test data only; no waiver, no notice)."""
    procedure.refresh_from_db()
    return model_update(instance=procedure, fields=dates, allowed=TIMELINE, actor=actor,
                        reason="Test data: dated as if the RFP had gone out earlier")
