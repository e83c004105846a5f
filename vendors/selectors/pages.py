"""Reads behind the vendors pages: the vendor page's data and the rows a view fetches under a vendor it has
already authorized (a child is looked up only among its own vendor's rows)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from vendors.models import (
    Evidence,
    Risk,
    Subprocessor,
    TierAssessment,
    Vendor,
    VendorContact,
    VendorTask,
    VendorUserObjectPermission,
)
from vendors.risk import RATING_LABELS, matrix_from_config
from vendors.transitions import RISK_STATUS


def vendor_page_queryset() -> QuerySet[Vendor]:
    """Everything the vendor page shows, prefetched."""
    from vendors.selectors import vendor_detail_queryset, vendor_follow_up_prefetches

    return vendor_detail_queryset().prefetch_related("user_grants__user", *vendor_follow_up_prefetches())


def vendor_page(vendor: Vendor, *, as_of: date, today: date) -> dict:
    """The vendor page's data (from vendor_page_queryset's prefetches): the due-diligence checklist as of
    `as_of`, evidence marked when superseded, attestations with their state, risks with their rating and next
    states, assessments, follow-up tasks and triggers."""
    from vendors.selectors import STRICTEST_TIER, attestation_refresh, dd_checklist, dd_plans, tasks_for_page

    plans = dd_plans()
    plan = plans.get(vendor.tier or STRICTEST_TIER)
    checklist = dd_checklist(vendor, as_of, plans=plans)
    evidence = list(vendor.evidence.all())
    replaced = {e.supersedes_id for e in evidence if e.supersedes_id}
    for item in evidence:
        item.is_superseded = item.pk in replaced
    attestations = list(vendor.attestations.all())
    for att in attestations:
        att.state = att.status_on(today)
        att.state_label = att.status_label_on(today)
        att.refresh = attestation_refresh(att, plan)
        att.refresh_due = att.refresh.on
    risks = list(vendor.risks.all())
    matrix_version = None
    if risks:
        from procurement import policy_tables

        matrix_version = policy_tables.current("risk_acceptance")
        matrix = matrix_from_config(matrix_version.snapshot)
    for risk in risks:
        risk.rating_label = RATING_LABELS[risk.residual_rating]
        risk.acceptor = matrix[risk.residual_rating].label
        risk.next_states = [(s, Risk.Status(s).label) for s in sorted(RISK_STATUS[risk.status])
                            if s != Risk.Status.ACCEPTED]
    assessments = list(vendor.tier_assessments.all())
    return {
        "checklist": checklist, "today": today, "plan": plan, "obligations": checklist.obligations,
        "evidence": evidence, "attestations": attestations, "risks": risks, "assessments": assessments,
        "assessment": assessments[0] if assessments else None, "risk_status_labels": dict(Risk.Status.choices),
        "tasks": tasks_for_page(vendor), "triggers": list(vendor.reassessment_triggers.all()),
        "acceptance_matrix_version": matrix_version,
    }


def current_assessment(vendor: Vendor) -> TierAssessment | None:
    """The vendor's latest tiering assessment (one query), or None."""
    return vendor.tier_assessments.order_by("-assessed_at", "-pk").first()


def vendor_evidence(vendor: Vendor) -> QuerySet[Evidence]:
    return Evidence.objects.filter(vendor=vendor)


def vendor_risks(vendor: Vendor) -> QuerySet[Risk]:
    return Risk.objects.filter(vendor=vendor).select_related("owner", "vendor")


def vendor_tasks(vendor: Vendor) -> QuerySet[VendorTask]:
    return VendorTask.objects.filter(vendor=vendor)


def vendor_contacts(vendor: Vendor) -> QuerySet[VendorContact]:
    return VendorContact.objects.filter(vendor=vendor)


def vendor_subprocessors(vendor: Vendor) -> QuerySet[Subprocessor]:
    return Subprocessor.objects.filter(vendor=vendor)


def vendor_grants(vendor: Vendor) -> QuerySet[VendorUserObjectPermission]:
    return VendorUserObjectPermission.objects.filter(content_object=vendor).select_related("user")
