"""Data built once for a whole test module, inside an outer transaction that is rolled back when the module is
done; every test runs in a savepoint inside it (the pattern of TestCase.setUpTestData, for pytest fixtures).

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker, tmp_path_factory):
        with module_world(django_db_blocker, tmp_path_factory, "api-world"):
            yield build_it()

While the world is built the settings are those every test gets (tests/conftest.py `_fast_and_private`): a fast
password hasher and private files in a temporary folder of the module's own.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.test import override_settings


@contextmanager
def module_world(django_db_blocker, tmp_path_factory, name: str):
    storage = tmp_path_factory.mktemp(name)
    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], PRIVATE_STORAGE_ROOT=storage,
            STORAGES={**settings.STORAGES, "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(storage), "base_url": None}}}):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
