"""The snapshots of this app's policy tables (declared on its AppConfig, `Contributions.policy_tables`): each
returns the table as it stands now, as plain JSON (procurement.policy_tables)."""


def dd_plans_snapshot():  # scaffold: the due-diligence plan of each tier with its requirements
    raise NotImplementedError


def tiering_rules_snapshot():  # scaffold: the shipped tiering rule table (kept only in its versions)
    raise NotImplementedError


def risk_acceptance_snapshot():  # scaffold: the shipped risk acceptance matrix (kept only in its versions)
    raise NotImplementedError
