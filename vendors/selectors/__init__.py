"""Reads of the vendors app: user-scoped, N+1-free querysets, and the due-diligence answers other apps use.

Public interface used by other apps (keep the signatures):
    tier_obligations(tier, *, plans=None, pins=None) -> TierObligations
    dd_plans(*, pins=None), procedure_dd_plans(procedure): the plans in force, or those pinned by a procedure
    due_diligence_status(vendor, as_of) -> DueDiligenceStatus
    valid_attestations(vendor, on) -> list[Attestation]
    attestation_alerts(vendor_ids, on) -> list[Attestation]   (expiring or expired, with .state/.state_label)
    open_tasks_for_user(user) -> QuerySet[VendorTask]
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from vendors.models import (
    ALWAYS_INDEPENDENT_KINDS,
    Attestation,
    DueDiligencePlan,
    Evidence,
    EvidenceKind,
    ReassessmentTrigger,
    Risk,
    TierAssessment,
    Vendor,
    VendorTask,
    attestation_warning_days,
)
from vendors.policies import vendor_policy
from vendors.reassessment import add_months

STRICTEST_TIER = "critical"

# Evidence kinds that a valid attestation of one of these standards also satisfies.
ATTESTATION_SATISFIES: dict[str, frozenset[str]] = {
    EvidenceKind.SECURITY_CERTIFICATION: frozenset({Attestation.Standard.ISO_27001, Attestation.Standard.SOC2_TYPE2}),
    EvidenceKind.ISO_42001: frozenset({Attestation.Standard.ISO_42001}),
}


@dataclass(frozen=True)
class TierObligations:
    references_required: int
    independent_references_required: int
    pov_required: bool
    required_evidence_kinds: tuple[str, ...]  # codes of the evidence kinds the tier requires


@dataclass(frozen=True)
class DueDiligenceStatus:
    as_of: date
    complete: bool
    gaps: tuple[str, ...]  # human-readable, e.g. "ISO/IEC 42001 certificate: none valid on 2026-12-01"
    satisfied: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    satisfied: bool
    detail: str
    guidance: str = ""
    evidence: tuple = ()
    independent_required: bool = False  # self-reported evidence does not satisfy this item

    @property
    def line(self) -> str:
        return f"{self.label}: {self.detail}"


@dataclass(frozen=True)
class DueDiligenceChecklist:
    as_of: date
    tier: str  # the tier whose plan applies (critical when the vendor is untiered)
    tiered: bool
    items: tuple[ChecklistItem, ...]
    obligations: TierObligations

    @property
    def gaps(self) -> tuple[str, ...]:
        missing = tuple(item.line for item in self.items if not item.satisfied)
        if not self.tiered:
            missing = ("Tier: not assessed yet, so the strictest (critical) plan applies",) + missing
        return missing

    @property
    def satisfied(self) -> tuple[str, ...]:
        return tuple(item.line for item in self.items if item.satisfied)

    @property
    def complete(self) -> bool:
        return not self.gaps

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.items if item.satisfied)

    def status(self) -> DueDiligenceStatus:
        return DueDiligenceStatus(as_of=self.as_of, complete=self.complete, gaps=self.gaps,
                                  satisfied=self.satisfied)


# --- the plan ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PinnedRequirements:
    rows: tuple

    def all(self):
        return self.rows


@dataclass(frozen=True)
class PinnedRequirement:
    """A due-diligence requirement as an earlier version of the plans kept it (reads like the model row)."""

    evidence_kind: str
    guidance: str
    independent_evidence_required: bool

    @property
    def needs_independent_evidence(self) -> bool:
        return self.independent_evidence_required or self.evidence_kind in ALWAYS_INDEPENDENT_KINDS


@dataclass(frozen=True)
class PinnedPlan:
    """A tier's due-diligence plan from a version of the "dd_plans" policy table (reads like DueDiligencePlan)."""

    tier: str
    references_required: int
    independent_references_required: int
    pov_required: bool
    attestation_refresh_months: int
    requirements: _PinnedRequirements
    version: int

    def get_tier_display(self) -> str:
        return self.tier.capitalize()


def plans_from_snapshot(snapshot, number: int) -> dict[str, PinnedPlan]:
    """The plans of one version of the "dd_plans" policy table, keyed by tier."""
    return {row["tier"]: PinnedPlan(
        tier=row["tier"], references_required=int(row["references"]),
        independent_references_required=int(row["independent_references"]), pov_required=bool(row["pov_required"]),
        attestation_refresh_months=int(row["refresh_months"]), version=number,
        requirements=_PinnedRequirements(tuple(PinnedRequirement(r["kind"], r.get("guidance", ""),
                                                                 bool(r.get("independent")))
                                               for r in row.get("requirements", ()))))
        for row in snapshot}


def dd_plans(*, pins=None) -> dict:
    """Every tier's plan with its requirement rows (two queries). With `pins` (an award procedure's
    policy_versions), the plans of the version that applies to it: the live rows when that is the current version,
    else the pinned version's snapshot (procurement.policy_tables)."""
    if pins is not None:
        from procurement import policy_tables

        if not policy_tables.is_current(pins, "dd_plans"):
            version = policy_tables.applicable(pins, "dd_plans")
            return plans_from_snapshot(version.snapshot, version.number)
    return {plan.tier: plan for plan in DueDiligencePlan.objects.prefetch_related("requirements")}


def procedure_dd_plans(procedure) -> dict:
    """The due-diligence plans that apply to an award procedure (its pin of the "dd_plans" table)."""
    return dd_plans(pins=procedure.policy_versions or {})


def _obligations_from(plan: DueDiligencePlan | None) -> TierObligations:
    if plan is None:
        return TierObligations(0, 0, False, ())
    wanted = {r.evidence_kind for r in plan.requirements.all()}
    kinds = tuple(k for k in EvidenceKind.values if k in wanted)  # in the order the kinds are declared
    return TierObligations(references_required=plan.references_required,
                           independent_references_required=plan.independent_references_required,
                           pov_required=plan.pov_required, required_evidence_kinds=kinds)


def tier_obligations(tier: str, *, plans: dict[str, DueDiligencePlan] | None = None, pins=None) -> TierObligations:
    """What due diligence the tier requires (from the DD requirement rows; with `pins`, the version of the plans
    pinned by an award procedure). Untiered ("") → critical plan."""
    plans = dd_plans(pins=pins) if plans is None else plans
    return _obligations_from(plans.get(tier or STRICTEST_TIER) or plans.get(STRICTEST_TIER))


# --- due-diligence status ---------------------------------------------------------------------------------


def _current_versions(evidence: list[Evidence], as_of: date) -> list[Evidence]:
    """Evidence known on `as_of`, without the versions that a version known on `as_of` replaced."""
    known = [e for e in evidence if timezone.localdate(e.uploaded_at) <= as_of]
    replaced = {e.supersedes_id for e in known if e.supersedes_id}
    return [e for e in known if e.pk not in replaced]


# Why usable evidence did not count because the vendor produced it itself (shown in the checklist and the memo).
SELF_REPORTED_FOR_TIER = "self-reported; this tier needs independent evidence"
SELF_REPORTED_FOR_KIND = "self-reported; this kind of evidence must come from someone other than the vendor"


def _why_not(candidates: list[Evidence], as_of: date, *, self_reported_reason: str = "") -> str:
    if not candidates:
        return "nothing uploaded"
    reasons = []
    for e in candidates:
        if self_reported_reason and not e.is_independent and e.usable_on(as_of):
            reasons.append(self_reported_reason)
        elif e.review_outcome == Evidence.Outcome.PENDING:
            reasons.append("awaiting review")
        elif e.review_outcome == Evidence.Outcome.GAPS_NOTED:
            reasons.append("reviewed with gaps noted")
        elif e.review_outcome == Evidence.Outcome.REJECTED:
            reasons.append("rejected at review")
        elif e.effective_date > as_of:
            reasons.append(f"not in effect until {e.effective_date.isoformat()}")
        elif e.valid_until and e.valid_until < as_of:
            reasons.append(f"expired on {e.valid_until.isoformat()}")
    return ", ".join(dict.fromkeys(reasons)) or "nothing usable"


def _attestation_usable(att: Attestation, as_of: date) -> bool:
    if not att.is_valid_on(as_of) or timezone.localdate(att.created_at) > as_of:
        return False
    return att.evidence is None or att.evidence.review_outcome != Evidence.Outcome.REJECTED


def _rows(vendor: Vendor, name: str, queryset: QuerySet) -> list:
    """The vendor's related rows: the prefetched ones when present, else one query (never one per row)."""
    cache = getattr(vendor, "_prefetched_objects_cache", {})
    if name in cache:
        return list(cache[name])
    return list(queryset.filter(vendor=vendor))


def dd_checklist(vendor: Vendor, as_of: date, *, plans: dict[str, DueDiligencePlan] | None = None, pins=None
                 ) -> DueDiligenceChecklist:
    """The vendor's due-diligence plan as a checklist judged on `as_of`.

    Evidence counts when it is the current version on that date, was uploaded by then, was accepted at review,
    is in effect (effective date on or before) and not expired (valid until on or after). Certificates can also
    be satisfied by a valid attestation of the matching standard. Uses prefetched evidence and attestations
    when the vendor carries them. `pins`: judge by the plans pinned by an award procedure (else the current ones).
    """
    plans = dd_plans(pins=pins) if plans is None else plans
    tier = vendor.tier or STRICTEST_TIER
    plan = plans.get(tier) or plans.get(STRICTEST_TIER)
    obligations = _obligations_from(plan)
    rows = {r.evidence_kind: r for r in plan.requirements.all()} if plan else {}
    guidance = {kind: row.guidance for kind, row in rows.items()}
    current = _current_versions(_rows(vendor, "evidence", Evidence.objects.all()), as_of)
    attestations = _rows(vendor, "attestations", Attestation.objects.select_related("evidence"))
    day = as_of.isoformat()
    items = []
    for kind in obligations.required_evidence_kinds:
        label = EvidenceKind(kind).label
        candidates = [e for e in current if e.kind == kind]
        usable = [e for e in candidates if e.usable_on(as_of)]
        self_reported_reason = ""
        if kind in ALWAYS_INDEPENDENT_KINDS:
            self_reported_reason = SELF_REPORTED_FOR_KIND
        elif rows[kind].independent_evidence_required:
            self_reported_reason = SELF_REPORTED_FOR_TIER
        if self_reported_reason:
            usable = [e for e in usable if e.is_independent]
        standards = ATTESTATION_SATISFIES.get(kind, frozenset())
        atts = [a for a in attestations if a.standard in standards and _attestation_usable(a, as_of)]
        if usable:
            best = max(usable, key=lambda e: (e.valid_until or date.max, e.pk))
            until = f", valid until {best.valid_until.isoformat()}" if best.valid_until else ""
            items.append(ChecklistItem(kind, label, True, f"accepted ({best.title}{until})",
                                       guidance.get(kind, ""), tuple(candidates), bool(self_reported_reason)))
        elif atts:
            best = max(atts, key=lambda a: a.expires_on)
            items.append(ChecklistItem(kind, label, True, f"{best.standard_label} attestation by {best.issuer}, "
                                       f"valid until {best.expires_on.isoformat()}", guidance.get(kind, ""),
                                       tuple(candidates), bool(self_reported_reason)))
        else:
            items.append(ChecklistItem(kind, label, False, f"none valid on {day} "
                                       f"({_why_not(candidates, as_of, self_reported_reason=self_reported_reason)})",
                                       guidance.get(kind, ""), tuple(candidates), bool(self_reported_reason)))
    if obligations.references_required:
        refs = [e for e in current if e.kind == EvidenceKind.REFERENCE and e.usable_on(as_of)]
        independent = [e for e in refs if e.is_independent]
        ok = (len(refs) >= obligations.references_required
              and len(independent) >= obligations.independent_references_required)
        detail = (f"{len(refs)} of {obligations.references_required} accepted, "
                  f"{len(independent)} of {obligations.independent_references_required} independently sourced"
                  + ("" if ok else f", on {day}"))
        items.append(ChecklistItem("references", "References", ok, detail, "",
                                   tuple(e for e in current if e.kind == EvidenceKind.REFERENCE)))
    return DueDiligenceChecklist(as_of=as_of, tier=tier, tiered=bool(vendor.tier), items=tuple(items),
                                 obligations=obligations)


def due_diligence_status(vendor: Vendor, as_of: date) -> DueDiligenceStatus:
    """Is due diligence complete for this vendor as of `as_of`? With the gaps and what is satisfied."""
    return dd_checklist(vendor, as_of).status()


def valid_attestations(vendor: Vendor, on: date) -> list[Attestation]:
    """Attestations in force on `on` (issued by then, not expired), unless their evidence was rejected."""
    return [a for a in vendor.attestations.select_related("evidence").filter(issued_on__lte=on, expires_on__gte=on)
            .exclude(evidence__review_outcome=Evidence.Outcome.REJECTED).order_by("expires_on", "pk")]


@dataclass(frozen=True)
class RefreshDue:
    """When a fresh attestation is due and why: "cadence" (the tier re-collects every `months` months) or "expiry"
    (the certificate runs out first)."""
    on: date
    reason: str  # "cadence" or "expiry"
    months: int | None = None

    @property
    def reason_label(self) -> str:
        if self.reason == "cadence":
            return f"the tier re-collects attestations every {self.months} months"
        return "the attestation expires"


def attestation_refresh(attestation: Attestation, plan: DueDiligencePlan | None) -> RefreshDue:
    """When a fresh attestation is due, with the reason: the tier's refresh cadence after issue (31 Jan + 1 month
    is the last day of February), or expiry if that comes first (or on the same day)."""
    return refresh_after_months(attestation, plan.attestation_refresh_months if plan is not None else None)


def refresh_after_months(attestation: Attestation, months: int | None) -> RefreshDue:
    """As attestation_refresh, given the cadence in months (None: no plan, so expiry alone)."""
    if not months:
        return RefreshDue(attestation.expires_on, "expiry")
    by_cadence = add_months(attestation.issued_on, months)
    if by_cadence < attestation.expires_on:
        return RefreshDue(by_cadence, "cadence", months)
    return RefreshDue(attestation.expires_on, "expiry", months)


def attestation_refresh_due(attestation: Attestation, plan: DueDiligencePlan | None) -> date:
    """When a fresh attestation is due: the tier's refresh cadence after issue, or expiry if sooner."""
    return attestation_refresh(attestation, plan).on


def refresh_months_expression():
    """For an Attestation queryset: the refresh cadence in months of its vendor's tier plan (untiered, or a tier
    without a plan: the strictest plan's), as one subquery per row."""
    from django.db.models import Subquery
    from django.db.models.functions import Coalesce

    plans = DueDiligencePlan.objects.values("attestation_refresh_months")
    return Coalesce(Subquery(plans.filter(tier=OuterRef("vendor__tier"))[:1]),
                    Subquery(plans.filter(tier=STRICTEST_TIER)[:1]))


# --- lists and pages --------------------------------------------------------------------------------------

FOLLOW_UP_STATES = (
    ("open", "Has open follow-ups"),
    ("overdue", "Has overdue follow-ups"),
)

ATTESTATION_STATES = (
    ("valid", "All in force"),
    ("expiring", "Some expiring soon"),
    ("expired", "Some expired"),
    ("none", "None recorded"),
)


def vendor_list(user, *, q: str = "", tier: str = "", status: str = "", offering_type: str = "",
                attestation: str = "", follow_ups: str = "", today: date | None = None) -> QuerySet[Vendor]:
    today = today or timezone.localdate()
    soon = today + timedelta(days=attestation_warning_days())
    atts = Attestation.objects.filter(vendor=OuterRef("pk"))
    open_tasks = VendorTask.objects.filter(vendor=OuterRef("pk"), status=VendorTask.Status.OPEN)
    qs = vendor_policy.visible(user).select_related("owner").annotate(
        has_expired_attestation=Exists(atts.filter(expires_on__lt=today)),
        has_expiring_attestation=Exists(atts.filter(expires_on__gte=today, expires_on__lte=soon)),
        has_attestation=Exists(atts),
        has_open_tasks=Exists(open_tasks),
        has_overdue_tasks=Exists(open_tasks.filter(due_on__lt=today)),
    )
    if follow_ups == "open":
        qs = qs.filter(has_open_tasks=True)
    elif follow_ups == "overdue":
        qs = qs.filter(has_overdue_tasks=True)
    if q:
        qs = qs.filter(Q(legal_name__icontains=q) | Q(trading_name__icontains=q) | Q(country__iexact=q))
    if tier == "untiered":
        qs = qs.filter(tier="")
    elif tier:
        qs = qs.filter(tier=tier)
    if status:
        qs = qs.filter(status=status)
    if offering_type:
        qs = qs.filter(offering_type=offering_type)
    if attestation == "expired":
        qs = qs.filter(has_expired_attestation=True)
    elif attestation == "expiring":
        qs = qs.filter(has_expiring_attestation=True)
    elif attestation == "valid":
        qs = qs.filter(has_attestation=True, has_expired_attestation=False, has_expiring_attestation=False)
    elif attestation == "none":
        qs = qs.filter(has_attestation=False)
    return qs


def vendor_for_page_prefetches() -> list:
    return [
        Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by", "reviewed_by")),
        Prefetch("attestations", queryset=Attestation.objects.select_related("evidence")),
    ]


def vendor_detail_queryset() -> QuerySet[Vendor]:
    return Vendor.objects.select_related("owner").prefetch_related(
        *vendor_for_page_prefetches(),
        "contacts",
        "subprocessors",
        Prefetch("risks", queryset=Risk.objects.select_related("owner", "accepted_by")),
        Prefetch("tier_assessments", queryset=TierAssessment.objects.select_related("assessed_by")),
    )


def latest_assessment(vendor: Vendor) -> TierAssessment | None:
    """The assessment in force (uses the prefetched rows when present)."""
    rows = list(vendor.tier_assessments.all())
    return rows[0] if rows else None


# --- follow-ups -------------------------------------------------------------------------------------------


def vendor_follow_up_prefetches() -> list:
    return [
        Prefetch("tasks", queryset=VendorTask.objects.select_related("assignee", "closed_by", "attestation")
                 .order_by("status", "due_on", "pk")),
        Prefetch("reassessment_triggers", queryset=ReassessmentTrigger.objects.select_related(
            "recorded_by", "assessment")),
    ]


def tasks_for_page(vendor: Vendor, *, closed_limit: int = 10) -> dict:
    """The vendor's open follow-ups (all) and the most recently finished ones (uses the prefetch)."""
    rows = list(vendor.tasks.all())
    finished = sorted((t for t in rows if not t.is_open), key=lambda t: (t.closed_at or t.created_at), reverse=True)
    return {"open": [t for t in rows if t.is_open], "finished": finished[:closed_limit],
            "finished_total": len(finished)}


def open_tasks_for_user(user) -> QuerySet[VendorTask]:
    """Open follow-ups assigned to `user` on vendors they can see (for home pages)."""
    return (VendorTask.objects.filter(assignee=user, status=VendorTask.Status.OPEN,
                                      vendor__in=vendor_policy.visible(user).values("pk"))
            .select_related("vendor").order_by("due_on", "pk"))


def attestation_alerts(vendor_ids, on: date | None = None) -> list[Attestation]:
    """Attestations of these vendors that are expiring (within the warning window) or expired on `on`, leaving
    out those a newer attestation of the same standard already replaces. Two queries; each row carries
    `.state` and `.state_label`. For contract pages and home pages."""
    on = on or timezone.localdate()
    soon = on + timedelta(days=attestation_warning_days())
    rows = list(Attestation.objects.filter(vendor_id__in=list(vendor_ids), expires_on__lte=soon, issued_on__lte=on)
                .select_related("vendor").order_by("expires_on", "pk"))
    newer = Attestation.objects.filter(vendor_id__in=list(vendor_ids), issued_on__lte=on, expires_on__gt=on)
    latest: dict[tuple, date] = {}
    for att in newer:
        key = (att.vendor_id, att.standard, att.other_standard.strip().lower())
        latest[key] = max(latest.get(key, att.expires_on), att.expires_on)
    alerts = []
    for att in rows:
        key = (att.vendor_id, att.standard, att.other_standard.strip().lower())
        if latest.get(key, att.expires_on) > soon:
            continue  # a newer attestation of the same standard runs past the warning window
        att.state = att.status_on(on)
        att.state_label = att.status_label_on(on)
        alerts.append(att)
    return alerts


# --- the pages' reads (vendors/selectors/pages.py) ----------------------------------------------------------
from vendors.selectors import pages as _pages  # noqa: E402

current_assessment = _pages.current_assessment
vendor_contacts = _pages.vendor_contacts
vendor_evidence = _pages.vendor_evidence
vendor_grants = _pages.vendor_grants
vendor_page = _pages.vendor_page
vendor_page_queryset = _pages.vendor_page_queryset
vendor_risks = _pages.vendor_risks
vendor_subprocessors = _pages.vendor_subprocessors
vendor_tasks = _pages.vendor_tasks
