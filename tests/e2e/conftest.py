"""The e2e leg: Playwright drives Debian's Chromium against pytest-django's live_server."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _reference_data_survives_flush(transactional_db):
    """Live-server tests flush the database after each test, which also wipes the rows data migrations seed
    (roles, due-diligence plans, playbook, approval matrix, scorecard template). Re-apply the seed migrations
    (idempotent) at the start of every test, after the database fixture is set up.
    (Serialized rollback does not survive here: under Playwright's sync API each test gets a new connection
    object, which lacks the serialized snapshot.)"""
    from procurement.seeding import reapply_seed_migrations

    reapply_seed_migrations()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def login(page, live_server):
    """Sign `user` in through the real login form."""
    from tests.factories.accounts import TEST_PASSWORD

    def sign_in(user, password: str = TEST_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        return page

    return sign_in
