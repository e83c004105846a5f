"""Changing the vendors app's policy tables (issue 21): due-diligence plans (kept in rows), the tiering rule table
and the risk acceptance matrix (kept only in their versions).

Only a policy administrator changes them (procurement.policy_tables.require_policy_change); each service validates
the whole table first (one ValidationError with every problem, nothing saved) and records the new version with its
reason. A vendor assessed or a risk accepted from then on uses the new version; an award procedure keeps the
due-diligence plans of the version it started under.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from procurement import policy_tables
from procurement.audit.history import attribute
from vendors import risk as risk_rules
from vendors import tiering
from vendors.models import REQUIRABLE_KINDS, DueDiligencePlan, DueDiligenceRequirement
from vendors.tiering import TIERS


class TableErrors:
    def __init__(self):
        self.rows: dict = {}
        self.table: list[str] = []

    def add(self, index, field_name: str, message: str) -> None:
        if index is None:
            self.table.append(message)
        else:
            self.rows.setdefault(index, {}).setdefault(field_name, message)

    def raise_if_any(self) -> None:
        if self.rows or self.table:
            error = ValidationError(self.table or "Correct the rows marked below; nothing was saved.")
            error.rows, error.table = self.rows, list(self.table)
            raise error


@dataclass
class PlanRow:
    tier: str
    references: int
    independent_references: int
    pov_required: bool
    refresh_months: int
    requirements: list = field(default_factory=list)  # [{"kind", "guidance", "independent"}]


def _save(obj, *, actor, reason: str) -> None:
    attribute(obj, actor=actor, reason=reason[:100])
    obj.full_clean()
    obj.save()


@transaction.atomic
def dd_plans_replace(*, actor, plans: list[PlanRow], reason: str):
    """Each tier's plan becomes its row: the counts, the POV flag, the refresh period and its requirement rows
    (added, changed, removed). Refused, with every problem: a tier missing or twice, independent references above
    the references, a refresh period outside 1–60 months, an evidence kind that cannot be required or twice in a
    plan. Returns the new PolicyVersion."""
    policy_tables.require_policy_change(actor)
    errors = TableErrors()
    by_tier: dict[str, PlanRow] = {}
    for index, row in enumerate(plans):
        if row.tier not in TIERS:
            errors.add(index, "tier", "Unknown tier.")
            continue
        if row.tier in by_tier:
            errors.add(index, "tier", "This tier already has a plan.")
        by_tier[row.tier] = row
        if row.references is None or row.references < 0:
            errors.add(index, "references", "Zero or more.")
        if row.independent_references is None or row.independent_references < 0:
            errors.add(index, "independent_references", "Zero or more.")
        elif row.references is not None and row.independent_references > row.references:
            errors.add(index, "independent_references", "Cannot exceed the number of references required.")
        if row.refresh_months is None or not 1 <= row.refresh_months <= 60:
            errors.add(index, "refresh_months", "Between 1 and 60 months.")
        kinds = []
        for requirement in row.requirements:
            kind = requirement.get("kind")
            if kind not in REQUIRABLE_KINDS:
                errors.add(index, "requirements", f"“{kind}” is not an evidence kind a plan can require.")
            elif kind in kinds:
                errors.add(index, "requirements", "An evidence kind appears twice in this plan.")
            if len(requirement.get("guidance") or "") > 300:
                errors.add(index, "requirements", "Keep the guidance under 300 characters.")
            kinds.append(kind)
    missing = [t for t in TIERS if t not in by_tier]
    if missing:
        errors.add(None, "", f"Every tier needs a plan; missing: {', '.join(missing)}.")
    errors.raise_if_any()
    with policy_tables.policy_change(table="dd_plans", actor=actor, reason=reason):
        existing = {p.tier: p for p in DueDiligencePlan.objects.prefetch_related("requirements")}
        for tier in TIERS:
            row = by_tier[tier]
            plan = existing.get(tier) or DueDiligencePlan(tier=tier)
            values = (row.references, row.independent_references, bool(row.pov_required), row.refresh_months)
            before = (plan.references_required, plan.independent_references_required, plan.pov_required,
                      plan.attestation_refresh_months)
            if plan.pk is None or values != before:
                (plan.references_required, plan.independent_references_required, plan.pov_required,
                 plan.attestation_refresh_months) = values
                _save(plan, actor=actor, reason=reason)
            current = {r.evidence_kind: r for r in plan.requirements.all()} if tier in existing else {}
            wanted = {r["kind"]: r for r in row.requirements}
            for kind, requirement in current.items():
                if kind not in wanted:
                    attribute(requirement, actor=actor, reason=f"Removed: {reason}"[:100])
                    requirement.delete()
            for kind, data in wanted.items():
                requirement = current.get(kind) or DueDiligenceRequirement(plan=plan, evidence_kind=kind)
                guidance, independent = (data.get("guidance") or "").strip(), bool(data.get("independent"))
                if (requirement.pk is None or requirement.guidance != guidance
                        or requirement.independent_evidence_required != independent):
                    requirement.guidance, requirement.independent_evidence_required = guidance, independent
                    _save(requirement, actor=actor, reason=reason)
    return policy_tables.current("dd_plans")


def tiering_rules_record(*, actor, config: list[dict], reason: str):
    """A new version of the tiering rule table (`config` in the shape vendors.tiering.rules_from_config reads).
    Refused when the table is invalid (the problem named) or empty. Returns the new PolicyVersion."""
    policy_tables.require_policy_change(actor)
    if not config:
        raise ValidationError("The table needs at least one rule; with none, every vendor would be low tier.")
    try:
        rules = tiering.rules_from_config(config)
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise ValidationError(str(exc)) from None
    return policy_tables.policy_version_record(table="tiering_rules", actor=actor, reason=reason,
                                               snapshot=tiering.rules_to_config(rules))


def risk_acceptance_record(*, actor, config: dict, reason: str):
    """A new version of the risk acceptance matrix ({rating: {roles, label}}). Refused when a rating is missing
    or a role unknown. Returns the new PolicyVersion."""
    policy_tables.require_policy_change(actor)
    try:
        matrix = risk_rules.matrix_from_config(config)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    return policy_tables.policy_version_record(table="risk_acceptance", actor=actor, reason=reason,
                                               snapshot=risk_rules.matrix_to_config(matrix))
