"""Reads of rendered documents."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from procurement.documents.models import RenderedDocument
from procurement.documents.registry import DocumentKind


def current_document(kind: DocumentKind, source: models.Model) -> RenderedDocument | None:
    """The newest document of `kind` for `source` that is not STALE (there is at most one)."""
    return (
        RenderedDocument.objects.filter(
            kind=kind.key, content_type=ContentType.objects.get_for_model(source), object_id=source.pk
        )
        .exclude(status=RenderedDocument.Status.STALE)
        .order_by("-version")
        .first()
    )


def latest_ready_before(doc: RenderedDocument) -> RenderedDocument | None:
    """The newest earlier version that was rendered (shown while a newer version renders)."""
    return (
        RenderedDocument.objects.filter(
            kind=doc.kind, content_type_id=doc.content_type_id, object_id=doc.object_id, version__lt=doc.version
        )
        .exclude(sha256="")
        .order_by("-version")
        .first()
    )


def panel_state(kind: DocumentKind, source: models.Model, *, user=None, delay: int | None = None) -> dict:
    """Everything the document component shows for `kind` and `source` (to `user`, when given)."""
    doc = current_document(kind, source)
    outdated = bool(doc and doc.status == RenderedDocument.Status.READY and doc.source_hash != kind.hash_source(source))
    previous = latest_ready_before(doc) if doc is not None and doc.status != RenderedDocument.Status.READY else None
    poll = doc is not None and doc.is_busy
    return {
        "kind": kind,
        "source": source,
        "doc": doc,
        "previous": previous,
        "outdated": outdated,
        "poll": poll,
        "poll_delay": next_delay(delay) if poll else None,
        "can_request": user is None or kind.get_policy().allows(user, kind.request_action, source),
    }


POLL_FIRST_MS = 1000
POLL_MAX_MS = 15000


def next_delay(delay: int | None) -> int:
    """Polling backs off: 1 s, 2 s, 4 s, 8 s, then every 15 s."""
    if not delay or delay < POLL_FIRST_MS:
        return POLL_FIRST_MS
    return min(delay * 2, POLL_MAX_MS)
