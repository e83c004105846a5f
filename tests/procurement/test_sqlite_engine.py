"""The embedded engine (procurement.sqlite): a database file locked by another process is not mistaken for a
SQLite without JSON support (issue 18: the first `migrate` of a fresh embedded database once stopped with
"SQLite does not support JSONFields" on a loaded machine)."""

import sqlite3

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper as DjangoSQLite

from procurement.sqlite.base import DatabaseWrapper as BatonSQLite

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked_file(tmp_path):
    """A database file whose write lock another connection holds (as a worker or a second manage.py would)."""
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    yield path
    holder.execute("ROLLBACK")
    holder.close()


@pytest.fixture
def open_on():
    """Open a connection of `backend` on `path` under the alias "busy" (Django's check looks its alias up)."""
    opened = []

    def make(backend, path):
        settings = {**connection.settings_dict, "NAME": str(path),
                    "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.2}}
        wrapper = backend(settings, alias="busy")
        connections["busy"] = wrapper
        opened.append(wrapper)
        return wrapper

    yield make
    for wrapper in opened:
        wrapper.close()
    del connections["busy"]


def test_the_engine_in_use_is_batons_own():
    assert isinstance(connections["default"], BatonSQLite)


def test_a_locked_file_still_has_json_support(locked_file, open_on):
    assert open_on(BatonSQLite, locked_file).features.supports_json_field is True


def test_the_cause_django_reads_a_locked_file_as_no_json_support(locked_file, open_on):
    """Why the engine exists: Django's own backend answers False on the same locked file. When this starts
    failing, Django has fixed it and procurement.sqlite can go."""
    assert open_on(DjangoSQLite, locked_file).features.supports_json_field is False
