"""Fixtures shared by every leg."""

import base64
import inspect
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db.models import QuerySet

from procurement.audit.history import is_tracked

# Audit checkpoints are signed (procurement.audit.checkpoint) and tests run with DEBUG off, as production does:
# every test process, and the worker and server processes the legs start, sign with one throwaway key.
os.environ.setdefault("BATON_AUDIT_SIGNING_KEY", base64.b64encode(Ed25519PrivateKey.generate().private_bytes(
    serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())).decode())

pytest_plugins = ["tests.factories.fixtures", "tests.factories.award_fixtures", "tests.factories.vendor_fixtures",
                  "tests.security.figures"]


# The fast leg's longest tests (the security walks, the property state machines, the demo seedings; measured with
# --durations), run first: xdist hands tests out in collection order, so the two workers then finish together
# instead of one of them running a 45-second walk alone at the end.
LONG_FIRST = ("tests/security/test_sealed_bid_secrecy.py", "tests/security/test_url_matrix.py",
              "tests/awards/test_procedure_state_machine.py", "tests/policies/test_actionable.py",
              "tests/security/test_demo_bidders.py", "tests/procurement/test_seed_and_compose.py",
              "tests/awards/test_decision_record.py", "tests/awards/test_challenge_award.py",
              "tests/awards/test_journey_demo.py", "tests/awards/test_scorecard_demo.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = str(item.fspath)
        return next((n for n, stem in enumerate(LONG_FIRST) if path.endswith(stem)), len(LONG_FIRST))

    items.sort(key=rank)  # a stable sort: every other test keeps its place


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """The test database, copied from the migrated template `make test` builds when it is current
    (tests/db_template.py), else migrated as usual. No database is serialized: no test uses serialized rollback."""
    from django.test.utils import setup_databases, teardown_databases

    from tests.db_template import creating_from, usable_template

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock(), creating_from(usable_template()):
        databases = setup_databases(verbosity=verbosity, interactive=False, serialized_aliases=set())
    yield
    with django_db_blocker.unblock():
        teardown_databases(databases, verbosity=verbosity)


@pytest.fixture(scope="session", autouse=True)
def _test_flush_may_empty_history():
    """History tables are append-only (database triggers, procurement.audit.triggers); the flush between
    transactional tests is the one place allowed to empty them."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from procurement.audit.triggers import flush_with_bypass

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseOperations, "execute_sql_flush",
                      flush_with_bypass(BaseDatabaseOperations.execute_sql_flush))
        yield


class TrackedBulkWrite(AssertionError):
    """Raised when code bypasses the audit trail with a bulk write on a tracked model."""


def _from_history_helper() -> bool:
    """True inside simple-history's ``bulk_create_with_history``, the bulk path DESIGN.md allows: it writes the
    history row of every object it creates."""
    return any(frame.function == "bulk_create_with_history" and "simple_history" in frame.filename
               for frame in inspect.stack(context=0))


def _guarded(name: str, original):
    def guard(self, *args, **kwargs):
        if is_tracked(self.model) and not (name == "bulk_create" and _from_history_helper()):
            raise TrackedBulkWrite(
                f"QuerySet.{name}() on {self.model.__name__} skips its history; save each row through a service."
            )
        return original(self, *args, **kwargs)

    guard.__name__ = name
    return guard


@pytest.fixture(autouse=True)
def _no_bulk_writes_on_tracked_models(monkeypatch):
    """Every test runs with QuerySet.update/bulk_update/bulk_create refused on audit-trailed models."""
    for name in ("update", "bulk_update", "bulk_create"):
        monkeypatch.setattr(QuerySet, name, _guarded(name, getattr(QuerySet, name)))


@pytest.fixture(autouse=True)
def _fast_and_private(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Sign-in throttling is off unless a test asks for it (`axes_enabled`): Client.login() calls
    # authenticate() without a request, which django-axes rightly refuses.
    settings.AXES_ENABLED = False


@pytest.fixture
def axes_enabled(settings):
    settings.AXES_ENABLED = True
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.implementation = None  # pick up the changed setting
    yield
    AxesProxyHandler.implementation = None
