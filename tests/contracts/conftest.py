import pytest

from tests.factories.contracts import open_contract


@pytest.fixture
def contract(db, lead, manager):
    return open_contract(lead=lead, manager=manager)
