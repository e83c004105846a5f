"""A tracked kernel row to exercise the audit chain with (the worker heartbeat no longer keeps history)."""

from procurement.audit.history import attribute
from procurement.models import ReferenceSequence


def number_record(*, prefix: str, number: int) -> ReferenceSequence:
    """Record `number` as the last one taken under `prefix`: a small tracked kernel model, so each call writes one
    history row (the first creates the row, later ones change it)."""
    sequence = (ReferenceSequence.objects.filter(prefix=prefix, year=2026).first()
                or ReferenceSequence(prefix=prefix, year=2026))
    sequence.last_number = number
    attribute(sequence, actor=None, reason="Number taken")
    sequence.save()
    return sequence
