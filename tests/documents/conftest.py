import pytest

import tests.documents.kinds  # noqa: F401 - registers the test document kinds
from tests.factories.vendors import VendorFactory


@pytest.fixture
def vendor(lead):
    return VendorFactory(owner=lead, legal_name="Quill Analytics Ltd", trading_name="Quill",
                         description="Summarises *contracts*.")


@pytest.fixture
def render_calls(monkeypatch):
    """Counts the real renders (the real renderer still runs)."""
    from procurement.documents import services

    calls = []
    original = services.render_pdf

    def counting(template_name, context):
        calls.append(template_name)
        return original(template_name, context)

    monkeypatch.setattr(services, "render_pdf", counting)
    return calls
