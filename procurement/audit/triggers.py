"""Append-only history: database triggers refuse UPDATE and DELETE on every history table, every
many-to-many history table and the seal table, on SQLite and on PostgreSQL.

The triggers are installed idempotently by a `post_migrate` receiver that enumerates the history tables from
the app registry (procurement.audit.chain.append_only_models), so tables other apps add later get theirs on
their first migrate. SQLite rebuilds a table to alter it (and drops its triggers with the old copy): the same
receiver puts them back at the end of that migrate.

  * SQLite: `BEFORE UPDATE` / `BEFORE DELETE` triggers per table, `SELECT RAISE(ABORT, …)` unless
    `baton_audit_bypass()` answers 1. That function is registered on each Django connection (see
    `register_sqlite_bypass`) and reads a flag of that one connection, so the bypass can never leak to another
    connection. Any other client (the sqlite3 shell) has no such function, and its UPDATE or DELETE fails too.
  * PostgreSQL: one plpgsql function, `baton_audit_refuse()`, raising an exception, and per table a
    row-level `BEFORE UPDATE OR DELETE` trigger plus a statement-level `BEFORE TRUNCATE` trigger (TRUNCATE
    fires no row triggers). The function lets the change through only when the transaction-local setting
    `baton.audit_bypass` is 'on' (`set_config(…, true)`: it ends with the transaction).

The bypass (`audit_bypass`) exists for exactly one caller: Django's test-database flush between
transactional tests (tests/conftest.py wraps `execute_sql_flush` with it; on SQLite the flush is a DELETE of
every row, on PostgreSQL a TRUNCATE). The chain tests also use it to forge rows, to prove `audit_verify` sees
them. Application code never imports it; tests/procurement/test_audit_chain.py checks that no module outside
this one and the tests mentions it. Production `manage.py flush` is therefore refused, as it should be.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

SQLITE_FUNCTION = "baton_audit_bypass"
PG_FUNCTION = "baton_audit_refuse"
PG_SETTING = "baton.audit_bypass"
TRIGGER = "baton_append_only"
MESSAGE = "Baton history is append-only: UPDATE and DELETE are refused"


# --- the bypass -------------------------------------------------------------------------------------------------


def register_sqlite_bypass(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: give each SQLite connection its own bypass flag function."""
    if connection.vendor != "sqlite":
        return
    wrapper = weakref.ref(connection)

    def bypass() -> int:
        current = wrapper()
        return 1 if current is not None and getattr(current, "_baton_audit_bypass", False) else 0

    connection.connection.create_function(SQLITE_FUNCTION, 0, bypass)


@contextmanager
def audit_bypass(using: str = "default") -> Iterator[None]:
    """Let UPDATE/DELETE/TRUNCATE through on history tables for the duration of one transaction on this
    connection. ONLY for the test-database flush and for tests that forge rows (see the module docstring)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PG_SETTING])
            yield
        else:
            connection._baton_audit_bypass = True
            try:
                yield
            finally:
                connection._baton_audit_bypass = False


def flush_with_bypass(original):
    """Wrap `DatabaseOperations.execute_sql_flush` so the test-database flush may empty history tables."""

    def execute_sql_flush(self, sql_list):
        with audit_bypass(self.connection.alias):
            return original(self, sql_list)

    execute_sql_flush.__wrapped__ = original
    return execute_sql_flush


# --- installing the triggers ------------------------------------------------------------------------------------

PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('{PG_SETTING}', true) = 'on' THEN
        IF TG_LEVEL = 'STATEMENT' THEN RETURN NULL; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$$;
"""


def _sqlite_statements(table: str, existing: set[str]) -> list[str]:
    statements = []
    for op in ("UPDATE", "DELETE"):
        name = f"{TRIGGER}_{op.lower()}_{table}"
        if name not in existing:
            statements.append(
                f'CREATE TRIGGER IF NOT EXISTS "{name}" BEFORE {op} ON "{table}" '
                f"WHEN {SQLITE_FUNCTION}() = 0 BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    return statements


def _postgres_statements(table: str, existing: set[tuple[str, str]]) -> list[str]:
    statements = []
    if (table, TRIGGER) not in existing:
        statements.append(f'CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON "{table}" '
                          f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()")
    if (table, f"{TRIGGER}_truncate") not in existing:
        statements.append(f'CREATE TRIGGER {TRIGGER}_truncate BEFORE TRUNCATE ON "{table}" '
                          f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()")
    return statements


def install_triggers(tables: list[str], *, using: str = "default") -> int:
    """Create the missing append-only triggers on `tables` (those that exist); returns how many were created."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return 0
    present = set(connection.introspection.table_names())
    tables = [t for t in tables if t in present]
    created = 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}%"])
            existing = {row[0] for row in cursor.fetchall()}
            statements = [s for t in tables for s in _sqlite_statements(t, existing)]
        else:
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s AND c.relnamespace = current_schema()::regnamespace", [f"{TRIGGER}%"])
            existing = {(row[0], row[1]) for row in cursor.fetchall()}
            statements = [s for t in tables for s in _postgres_statements(t, existing)]
            if statements:
                cursor.execute(PG_FUNCTION_SQL)
        for statement in statements:
            cursor.execute(statement)
            created += 1
    return created


def append_only_tables(registry=None) -> list[str]:
    from django.apps import apps as global_apps

    from procurement.audit.chain import append_only_models

    return [m._meta.db_table for m in append_only_models(registry or global_apps)]


def install_on_migrate(sender, using: str = "default", apps=None, **kwargs) -> None:
    """`post_migrate` receiver: every history table (and the seal table) gets its triggers, once."""
    from django.apps import apps as global_apps

    install_triggers(append_only_tables(global_apps), using=using)


def installed_triggers(using: str = "default") -> dict[str, set[str]]:
    """{table: {trigger names}} of the append-only triggers present (for tests and the checks)."""
    connection = connections[using]
    found: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                           [f"{TRIGGER}%"])
        else:
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s AND c.relnamespace = current_schema()::regnamespace", [f"{TRIGGER}%"])
        for table, name in cursor.fetchall():
            found.setdefault(table, set()).add(name)
    return found
