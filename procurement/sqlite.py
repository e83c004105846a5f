"""The embedded database's start-up, made robust against a busy file (issue 18).

Django learns whether SQLite has JSON support by running `SELECT JSON(...)` on the database inside a
transaction, and reads any failure as "no JSON support". With Baton's `transaction_mode = IMMEDIATE` that
transaction takes the file's write lock, so when another process holds it past the busy timeout (a worker, a
second `manage.py`, a loaded machine) the query fails with "database is locked" and the first `migrate` stops
with the misleading "SQLite does not support JSONFields". JSON support belongs to the SQLite library, not to the
file: `install()` (called from the kernel's AppConfig.ready) makes Django ask a private in-memory database,
which no other process can lock.

Patched on Django's SQLite features class rather than shipped as an engine of our own: tools compare the ENGINE
string (pytest-django names per-worker test databases by it; metrics wrappers bring their own engine).
"""

from __future__ import annotations

import sqlite3
from functools import cache

from django.db.backends.sqlite3.base import DatabaseWrapper  # the base module first: it imports the features

DatabaseFeatures = DatabaseWrapper.features_class

# Django's own check (a cached_property reading the database), kept for the regression test.
DJANGO_CHECK = DatabaseFeatures.__dict__["supports_json_field"]


@cache
def library_supports_json() -> bool:
    """Does the linked SQLite library have the JSON functions? Asked once, of an in-memory database."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("SELECT JSON('{\"a\": \"b\"}')")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True


def install() -> None:
    DatabaseFeatures.supports_json_field = property(lambda features: library_supports_json(),
                                                    doc="JSON support of the SQLite library (procurement.sqlite).")
