"""Home panels about decision memos: for committee members, the memos waiting for their sign-off (oldest
first, one query); for auditors, the most recent approvals (one query)."""

from datetime import timedelta

from django.utils import timezone

from awards.models import ApprovalRoute, SignOff
from procurement.accounts.roles import Role, has_role

LIMIT = 5
RECENT_DAYS = 90
RECENT_LIMIT = 10


def waiting_routes(user):
    """Open routes on which the person sits on a committee, has not signed, and did not write the memo."""
    return (ApprovalRoute.objects.filter(status=ApprovalRoute.Status.OPEN, steps__committee__members=user)
            .exclude(signoffs__signer=user).exclude(memo__author=user).distinct())


def panels(user) -> list[dict]:
    result = []
    if has_role(user, Role.COMMITTEE_APPROVER):  # committees are made of approvers
        rows = list(waiting_routes(user).select_related("memo__procedure", "version").order_by("created_at", "pk"))
        if rows:
            result.append({"title": "Decision memos waiting for your sign-off", "count": len(rows),
                           "items": rows[:LIMIT], "template": "awards/memo/_panel_waiting.html"})
    if has_role(user, Role.AUDITOR) or user.is_superuser:
        since = timezone.now() - timedelta(days=RECENT_DAYS)
        rows = list(SignOff.objects.filter(signed_at__gte=since)
                    .select_related("signer", "route__memo__procedure").order_by("-signed_at", "-pk")[:RECENT_LIMIT])
        if rows:
            result.append({"title": "Recent sign-off decisions", "count": None, "items": rows,
                           "template": "awards/memo/_panel_recent_signoffs.html"})
    return result
