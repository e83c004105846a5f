"""Reference data seeded by data migrations: roles, due-diligence plans, the scorecard template, the approval
matrix and the clause playbook.

Tests that flush the database (a live server, a real worker) lose those rows; `reapply_seed_migrations`
runs the same migration functions again, so the migrations stay the single source of that data. Every seed
function is idempotent (get_or_create or an existence check).
"""

from types import SimpleNamespace

from django.apps import apps as global_apps
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import RunPython

from procurement.audit.history import BATON_APP_LABELS


def reapply_seed_migrations(using: str = "default") -> int:
    """Run every RunPython operation of Baton's migrations forwards, in dependency order; return how many."""
    connection = connections[using]
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    ordered: list[tuple[str, str]] = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key not in ordered:
                ordered.append(key)
    editor = SimpleNamespace(connection=connection)
    ran = 0
    for key in ordered:
        if key[0] not in BATON_APP_LABELS:
            continue
        for operation in loader.graph.nodes[key].operations:
            if isinstance(operation, RunPython):
                operation.code(global_apps, editor)
                ran += 1
    return ran
