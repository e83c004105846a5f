import pytest

from procurement.models import ReferenceSequence
from procurement.references import next_reference

pytestmark = pytest.mark.django_db


def test_references_are_sequential_per_prefix_and_year():
    assert next_reference("AP", year=2026) == "AP-2026-0001"
    assert next_reference("AP", year=2026) == "AP-2026-0002"
    assert next_reference("CT", year=2026) == "CT-2026-0001"
    assert next_reference("AP", year=2027) == "AP-2027-0001"
    assert ReferenceSequence.objects.get(prefix="AP", year=2026).history.count() == 3
