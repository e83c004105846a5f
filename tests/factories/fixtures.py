"""Fixtures for people in each role. Apps add their own factories next to this module."""

import pytest

from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory


@pytest.fixture
def make_user(db):
    def make(*roles: str, **kwargs):
        return UserFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def lead(make_user):
    return make_user(Role.PROCUREMENT_LEAD)


@pytest.fixture
def evaluator(make_user):
    return make_user(Role.EVALUATOR)


@pytest.fixture
def approver(make_user):
    return make_user(Role.COMMITTEE_APPROVER)


@pytest.fixture
def manager(make_user):
    return make_user(Role.POST_AWARD_MANAGER)


@pytest.fixture
def business_owner(make_user):
    return make_user(Role.BUSINESS_OWNER)


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR)


@pytest.fixture
def stranger(make_user):
    """A signed-in user with no role and no relation to anything."""
    return make_user()
