"""The embedded database's start-up (procurement.sqlite): a database file locked by another process is not
mistaken for a SQLite without JSON support (issue 18: the first `migrate` of a fresh embedded database once
stopped with "SQLite does not support JSONFields" on a loaded machine)."""

import sqlite3

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from procurement.sqlite import DJANGO_CHECK

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(tmp_path):
    """A Django connection on a database file whose write lock another connection holds (as a worker or a
    second manage.py would), with a short busy timeout. Registered as "busy": Django's check looks it up."""
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(path),
                               "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.2}}, alias="busy")
    connections["busy"] = wrapper
    yield wrapper
    wrapper.close()
    del connections["busy"]
    holder.execute("ROLLBACK")
    holder.close()


def test_a_locked_file_still_has_json_support(busy):
    assert busy.features.supports_json_field is True


def test_the_cause_django_reads_a_locked_file_as_no_json_support(busy):
    """Why procurement.sqlite exists: Django's own check answers False on the same locked file. When this
    starts failing, Django has fixed it and the patch can go."""
    assert DJANGO_CHECK.func(busy.features) is False
