"""Home panel for vendors: the follow-ups assigned to the person (attestation refreshes, reassessments,
due-diligence items) on vendors they can see, soonest due first. One query; `work_count` is one count query."""

from vendors.selectors import open_tasks_for_user

LIMIT = 5


def panels(user) -> list[dict]:
    rows = list(open_tasks_for_user(user))
    if not rows:
        return []
    return [{"title": "Vendor follow-ups assigned to you", "count": len(rows), "items": rows[:LIMIT],
             "template": "vendors/_panel_tasks.html"}]


def work_count(user) -> int:
    return open_tasks_for_user(user).count()
