"""Fixtures for the vendors app."""

import pytest

from tests.factories.vendors import VendorFactory


@pytest.fixture
def vendor(lead):
    """A vendor owned by the `lead` fixture."""
    return VendorFactory(owner=lead)


@pytest.fixture
def other_lead(make_user):
    from procurement.accounts.roles import Role

    return make_user(Role.PROCUREMENT_LEAD)
