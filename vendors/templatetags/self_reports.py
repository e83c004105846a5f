"""The vendor page's pointer to tiering answers sent by the vendor through the portal (issue 20), with the
templates in templates/vendors/self_report/."""

from django import template
from django.db.models import Count, Q

from vendors.models import TieringSelfReport

register = template.Library()


@register.inclusion_tag("vendors/self_report/_pending.html")
def self_reports_pending(vendor):
    """How many of the vendor's self-reports wait for review, and how many there are (one query)."""
    counts = TieringSelfReport.objects.filter(vendor=vendor).aggregate(
        total=Count("pk"), pending=Count("pk", filter=Q(status=TieringSelfReport.Status.PENDING)))
    return {"vendor": vendor, "pending": counts["pending"], "total": counts["total"]}
