"""A test-only document kind for the hard time limit (tests/integration/test_faults.py). The fault test gives it
to its own worker through BATON_DOCUMENT_KIND_MODULES and imports it here for the queuing process."""

import time

from celery.exceptions import SoftTimeLimitExceeded

from procurement.documents.registry import DocumentKind, content_hash, register
from tests.documents.kinds import note_context, owner_policy


def unstoppable_context(vendor) -> dict:
    """Stands in for a render stuck where the soft limit cannot reach it (native code that never hands control
    back to Python): it shrugs off SoftTimeLimitExceeded and keeps going, so only the hard limit, the pool
    killing its child, ends it."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            time.sleep(0.1)
        except SoftTimeLimitExceeded:
            continue
    return note_context(vendor)


UNSTOPPABLE = register(DocumentKind(
    key="test_unstoppable_note", label="Unstoppable test note", source_model="vendors.Vendor", policy=owner_policy,
    template="documents/example.html", build_context=unstoppable_context,
    source_hash=lambda v: content_hash("test_unstoppable_note", v.legal_name, v.trading_name, v.description),
    filename="{slug}-unstoppable-v{version}", title=lambda v: f"Unstoppable note on {v.legal_name}",
), replace=True)
