"""A migrated SQLite database built once per `make test` and copied into each test process's database.

Applying Baton's migrations takes about a minute of CPU on SQLite (every operation re-renders the models related
to the user model, and every historical model is). The fast leg's two xdist workers and the e2e leg each did it
again. `make test` now builds the migrated database once (`python -m tests.db_template build`, beside the lint
and the checks) and the legs that run on SQLite copy it into their in-memory test database with SQLite's backup
API instead of migrating: the same migrations, applied by the same `migrate` command, once.

The copy is used only when it is certainly current: BATON_TEST_DB_TEMPLATE names it, the database is SQLite, and
the fingerprint stored beside it matches the one computed now from every first-party Python file (migrations,
the models and the seed functions they call, the settings) and `uv.lock` (third-party apps' migrations). Anything
else, e.g. a file edited after the build, or pytest run without make, migrates as before.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = "BATON_TEST_DB_TEMPLATE"
SOURCES = ("procurement", "vendors", "awards", "contracts")


def fingerprint() -> str:
    """The digest of everything that decides the migrated schema and its seed rows."""
    digest = hashlib.sha256()
    files = [ROOT / "uv.lock", *sorted(p for package in SOURCES for p in (ROOT / package).rglob("*.py"))]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _stamp(template: Path) -> Path:
    return template.with_suffix(template.suffix + ".fingerprint")


def usable_template() -> Path | None:
    """The template to copy, or None when there is none or it may be stale."""
    from django.db import connection

    name = os.environ.get(ENV, "")
    if not name or connection.vendor != "sqlite":
        return None
    template = Path(name)
    stamp = _stamp(template)
    if not (template.is_file() and stamp.is_file()) or stamp.read_text().strip() != fingerprint():
        return None
    return template


@contextmanager
def creating_from(template: Path | None):
    """While active, SQLite's test-database creation copies `template` instead of running the migrations."""
    if template is None:
        yield
        return
    from django.conf import settings
    from django.db.backends.sqlite3.creation import DatabaseCreation

    original = DatabaseCreation.create_test_db

    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        name = self._create_test_db(verbosity, autoclobber, keepdb)
        self.connection.close()
        settings.DATABASES[self.connection.alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        self.connection.ensure_connection()
        source = sqlite3.connect(template)
        try:
            source.backup(self.connection.connection)
        finally:
            source.close()
        return name

    DatabaseCreation.create_test_db = create_test_db
    try:
        yield
    finally:
        DatabaseCreation.create_test_db = original


def build(template: Path) -> bool:
    """Migrate a fresh SQLite file into `template` (with its fingerprint); False when it was already current."""
    import django

    stamp = _stamp(template)
    wanted = fingerprint()
    if template.is_file() and stamp.is_file() and stamp.read_text().strip() == wanted:
        return False
    template.parent.mkdir(parents=True, exist_ok=True)
    partial = template.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{partial}"
    os.environ["BATON_TESTING"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    os.replace(partial, template)
    stamp.write_text(wanted + "\n")
    return True


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "build":
        sys.exit("usage: python -m tests.db_template build PATH")
    target = Path(sys.argv[2]).resolve()
    print(f"test database template {'built' if build(target) else 'already current'}: {target}")
