"""Reads of waivers: what a step that would otherwise be refused asks, and what pages and notices show."""

from __future__ import annotations

from awards.models import Waiver


def waivers_for(procedure, kind: str | None = None, *, subject: str | None = None):
    """The waivers recorded for `procedure` (of `kind`, and for `subject` when given), oldest first."""
    qs = Waiver.objects.filter(procedure=procedure).select_related("recorded_by", "beneficiary")
    if kind is not None:
        qs = qs.filter(kind=kind)
    if subject is not None:
        qs = qs.filter(subject__in=("", subject))
    return qs.order_by("recorded_at", "pk")
