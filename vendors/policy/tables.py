"""The snapshots of this app's policy tables (declared on its AppConfig, `Contributions.policy_tables`): each
returns the table as it stands now, as plain JSON (procurement.policy_tables).

- dd_plans: [{tier, references, independent_references, pov_required, refresh_months,
  requirements: [{kind, guidance, independent}]}] in tier order (low → critical), kept in rows;
- tiering_rules: the shipped rule table in the shape vendors.tiering.rules_from_config accepts (the setting
  VENDOR_TIERING_RULES when set, else vendors.tiering.DEFAULT_RULES), kept only in its versions;
- risk_acceptance: {rating: {roles: [role names], label}} from vendors.risk.ACCEPTANCE_MATRIX, kept only in its
  versions.
"""

from __future__ import annotations


def dd_plans_snapshot():
    from vendors.models import DueDiligencePlan
    from vendors.tiering import TIERS

    plans = {p.tier: p for p in DueDiligencePlan.objects.prefetch_related("requirements")}
    out = []
    for tier in TIERS:
        plan = plans.get(tier)
        if plan is None:
            continue
        out.append({"tier": tier, "references": plan.references_required,
                    "independent_references": plan.independent_references_required,
                    "pov_required": plan.pov_required, "refresh_months": plan.attestation_refresh_months,
                    "requirements": [{"kind": r.evidence_kind, "guidance": r.guidance,
                                      "independent": r.independent_evidence_required}
                                     for r in sorted(plan.requirements.all(), key=lambda r: r.evidence_kind)]})
    return out


def tiering_rules_snapshot():
    from vendors.tiering import configured_rules, rules_to_config

    return rules_to_config(configured_rules())


def risk_acceptance_snapshot():
    from vendors.risk import ACCEPTANCE_MATRIX, matrix_to_config

    return matrix_to_config(ACCEPTANCE_MATRIX)
