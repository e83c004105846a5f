"""Human references such as AP-2026-0007: unique and sequential, without races."""

from django.db import transaction
from django.utils import timezone

from procurement.audit.history import attribute
from procurement.models import ReferenceSequence


@transaction.atomic
def next_reference(prefix: str, *, actor=None, year: int | None = None, width: int = 4) -> str:
    year = year or timezone.localdate().year
    sequence, _ = ReferenceSequence.objects.get_or_create(prefix=prefix, year=year)
    sequence = ReferenceSequence.objects.select_for_update().get(pk=sequence.pk)
    sequence.last_number += 1
    attribute(sequence, actor=actor, reason=f"Issued {prefix}-{year}-{sequence.last_number:0{width}d}")
    sequence.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{sequence.last_number:0{width}d}"
