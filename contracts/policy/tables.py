"""The snapshots of this app's policy tables (declared on its AppConfig, `Contributions.policy_tables`): each
returns the table as it stands now, as plain JSON (procurement.policy_tables)."""


def clause_playbook_snapshot():  # scaffold: the playbook's clauses
    raise NotImplementedError


def kpi_templates_snapshot():  # scaffold: the shipped KPI templates (kept only in their versions)
    raise NotImplementedError


def checkin_templates_snapshot():  # scaffold: the shipped check-in templates (kept only in their versions)
    raise NotImplementedError


def reminder_lead_times_snapshot():  # scaffold: the shipped reminder lead times (kept only in their versions)
    raise NotImplementedError
