"""Home panel for committee members: decision memos waiting for their sign-off (one query)."""

from awards.models import ApprovalRoute
from procurement.accounts.roles import Role, has_role

LIMIT = 5


def panels(user) -> list[dict]:
    if not has_role(user, Role.COMMITTEE_APPROVER):  # committees are made of approvers
        return []
    rows = list(ApprovalRoute.objects.filter(status=ApprovalRoute.Status.OPEN, steps__committee__members=user)
                .exclude(signoffs__signer=user).exclude(memo__author=user)
                .select_related("memo__procedure", "version").distinct().order_by("created_at"))
    if not rows:
        return []
    return [{"title": "Decision memos waiting for your sign-off", "count": len(rows), "items": rows[:LIMIT],
             "template": "awards/memo/_panel_waiting.html"}]
