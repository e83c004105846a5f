"""Home panel for vendors: the follow-ups assigned to the person (attestation refreshes, reassessments,
due-diligence items) on the vendors where the policy's "follow_up" is actionable (vendors.policies), soonest due
first. One query; `work_count` is one count query."""

from vendors.policies import open_follow_ups

LIMIT = 5


def panels(user) -> list[dict]:
    rows = list(open_follow_ups(user))
    if not rows:
        return []
    return [{"title": "Vendor follow-ups assigned to you", "count": len(rows), "items": rows[:LIMIT],
             "template": "vendors/_panel_tasks.html"}]


def work_count(user) -> int:
    return open_follow_ups(user).count()
