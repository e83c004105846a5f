"""The rendered-document state machine, as data."""

from procurement.documents.models import RenderedDocument

S = RenderedDocument.Status

DOCUMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.RENDERING, S.FAILED, S.STALE}),
    S.RENDERING: frozenset({S.READY, S.FAILED, S.PENDING, S.STALE}),
    S.READY: frozenset({S.STALE}),
    S.FAILED: frozenset({S.PENDING, S.STALE}),
    S.STALE: frozenset(),
}
