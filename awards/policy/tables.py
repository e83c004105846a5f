"""The snapshots of this app's policy tables (declared on its AppConfig, `Contributions.policy_tables`): each
returns the table as it stands now, as plain JSON (procurement.policy_tables)."""


def committees_snapshot():  # scaffold: the committees, their quorum and members
    raise NotImplementedError


def approval_matrix_snapshot():  # scaffold: the approval matrix's rules in order
    raise NotImplementedError
