"""The engine module Django loads for ENGINE = "procurement.sqlite" (see the package's docstring)."""

from __future__ import annotations

import sqlite3
from functools import cache

from django.db.backends.sqlite3 import base, features
from django.utils.functional import cached_property


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


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def supports_json_field(self) -> bool:
        return library_supports_json()


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
