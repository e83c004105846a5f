"""The procedure page's bid opening panel (issue 20).

Owned with its template templates/awards/portal_side/_opening.html. Before the deadline it shows only counts
(how many sealed bids are submitted) and when the deadline is; after it, the way to start or continue the opening,
or the link to the opening record."""

from django import template
from django.conf import settings

from awards.models import BidOpening, SealedSubmission
from awards.models.procedure import Submission
from awards.policies import procedure_policy
from awards.selectors.timeline import proposals_closed, proposals_deadline

register = template.Library()


@register.inclusion_tag("awards/portal_side/_opening.html", takes_context=True)
def opening_panel(context, procedure):
    user = context["user"]
    if procedure.submission != Submission.PORTAL:
        return {"show": False}
    counts = {status: 0 for status in SealedSubmission.Status.values}
    late = 0
    for status, is_late in SealedSubmission.objects.filter(bid__procedure=procedure).values_list("status", "late"):
        counts[status] += 1
        late += int(is_late and status == SealedSubmission.Status.SUBMITTED)
    opening = BidOpening.objects.filter(procedure=procedure).first()
    return {"show": True, "procedure": procedure, "user": user, "request": context.get("request"),
            "deadline": proposals_deadline(procedure), "closed": proposals_closed(procedure),
            "submitted": counts[SealedSubmission.Status.SUBMITTED] - late, "late": late,
            "withdrawn": counts[SealedSubmission.Status.WITHDRAWN], "opening": opening,
            "can_start": procedure_policy.can(user, "edit", procedure),
            "required": settings.BATON_BID_OPENING_WITNESSES}
