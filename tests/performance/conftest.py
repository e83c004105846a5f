"""The audit guard of tests/conftest.py, with one exception for this folder: simple-history's
``bulk_create_with_history`` (the helper DESIGN.md names for bulk writes) may call ``bulk_create``, because it
writes the history row of every object it creates. Everything else still refuses bulk writes on tracked models."""

import inspect

import pytest
from django.db.models import QuerySet

from procurement.audit.history import is_tracked
from tests.conftest import TrackedBulkWrite


def _from_history_helper() -> bool:
    return any(frame.function == "bulk_create_with_history" and "simple_history" in frame.filename
               for frame in inspect.stack(context=0))


def _guarded(name: str, original):
    def guard(self, *args, **kwargs):
        if is_tracked(self.model) and not (name == "bulk_create" and _from_history_helper()):
            raise TrackedBulkWrite(
                f"QuerySet.{name}() on {self.model.__name__} skips its history; save each row through a service.")
        return original(self, *args, **kwargs)

    guard.__name__ = name
    return guard


@pytest.fixture(autouse=True)
def _no_bulk_writes_on_tracked_models(monkeypatch):
    for name in ("update", "bulk_update", "bulk_create"):
        monkeypatch.setattr(QuerySet, name, _guarded(name, getattr(QuerySet, name)))
