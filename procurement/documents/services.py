"""Every write to RenderedDocument goes through here (views, tasks, the sweeper and other apps' services).

`actor` is the person acting, or None when the system acts (the render task, the sweeper); a person is
checked against the policy the document kind declares for its source.
"""

from __future__ import annotations

import hashlib
import logging
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import DatabaseError, models, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from procurement import authz
from procurement.audit.history import attribute
from procurement.documents import conf
from procurement.documents.models import RenderedDocument
from procurement.documents.registry import DocumentKind, content_hash, get_kind
from procurement.documents.renderer import build_zip, render_pdf
from procurement.documents.transitions import DOCUMENT_TRANSITIONS
from procurement.queueing import enqueue_fail_fast
from procurement.statemachine import ensure_transition

logger = logging.getLogger(__name__)
Status = RenderedDocument.Status
_LABELS = dict(Status.choices)


def _save(doc: RenderedDocument, *, actor, reason: str) -> RenderedDocument:
    attribute(doc, actor=actor, reason=reason)
    doc.full_clean()
    doc.save()
    return doc


def _move(doc: RenderedDocument, target: str, *, actor, reason: str) -> RenderedDocument:
    ensure_transition(DOCUMENT_TRANSITIONS, doc.status, target, labels=_LABELS, subject="This document")
    doc.status = target
    return _save(doc, actor=actor, reason=reason)


def _locked(document_id: int) -> RenderedDocument | None:
    return RenderedDocument.objects.select_for_update().filter(pk=document_id).first()


def _rows_for(kind: DocumentKind, source: models.Model) -> models.QuerySet:
    return RenderedDocument.objects.filter(
        kind=kind.key, content_type=ContentType.objects.get_for_model(source), object_id=source.pk
    )


def _check_source(kind: DocumentKind, source: models.Model) -> None:
    if not isinstance(source, kind.model) or source.pk is None:
        raise TypeError(f"A {kind.label} is rendered from a saved {kind.source_model}, not {source!r}.")


# --- queuing ------------------------------------------------------------------------------------------------
# Celery copies the task's time limits, as the QUEUING process imported them, into each message, and the worker
# obeys the message over its own task attributes (celery.app.task.Task.apply_async -> _get_exec_options ->
# the "timelimit" header; celery.worker.request.Request prefers the header). The render limits are the worker's
# to decide (documents.conf reads them where the tasks are imported, and a web process need not share the
# worker's environment), so the message carries none and the worker applies the limits it was configured with.
WORKER_DECIDES_TIME_LIMITS = {"soft_time_limit": None, "time_limit": None}


def enqueue_render(document_id: int) -> bool:
    """Hand the render to the broker. A broker outage is logged, never raised: the row stays PENDING and the
    sweeper queues it again once the broker is back."""
    from procurement.documents.tasks import render_document

    return enqueue_fail_fast(render_document, args=[document_id], **WORKER_DECIDES_TIME_LIMITS,
                             what=f"document {document_id} for rendering; it stays waiting and the sweeper "
                                  "will queue it again")


def _enqueue_on_commit(document_id: int) -> None:
    transaction.on_commit(partial(enqueue_render, document_id))


# --- requests ------------------------------------------------------------------------------------------------
@transaction.atomic
def document_request(*, kind: str, source: models.Model, actor, reason: str = "Document requested") \
        -> RenderedDocument:
    """The current document of `kind` for `source`, created PENDING (and queued on commit) when none matches
    the source as it is now. Older versions for a different source hash become STALE."""
    spec = get_kind(kind)
    _check_source(spec, source)
    if actor is not None:
        authz.require(actor, spec.get_policy(), spec.request_action, source)
    # One request per source at a time: lock the source row for the rest of the transaction.
    list(spec.model._default_manager.select_for_update().filter(pk=source.pk).values_list("pk", flat=True))
    source_hash = spec.hash_source(source)
    now = timezone.now()
    for row in _rows_for(spec, source).select_for_update().exclude(status=Status.STALE):
        if row.source_hash != source_hash:
            _move(row, Status.STALE, actor=actor, reason="The source changed; a newer version replaces it")
            continue
        if row.status == Status.FAILED:
            row.attempts, row.error, row.queued_at, row.claimed_at = 0, "", now, None
            if actor is not None:
                row.requested_by, row.requested_at = actor, now
            _move(row, Status.PENDING, actor=actor, reason="Rendering requested again after a failure")
            _enqueue_on_commit(row.pk)
        return row
    version = (_rows_for(spec, source).aggregate(v=Max("version"))["v"] or 0) + 1
    doc = RenderedDocument(
        kind=spec.key, content_type=ContentType.objects.get_for_model(source), object_id=source.pk,
        source_hash=source_hash, version=version, status=Status.PENDING,
        requested_by=actor, requested_at=now, queued_at=now,
    )
    _save(doc, actor=actor, reason=reason)
    _enqueue_on_commit(doc.pk)
    return doc


def document_retry(*, document: RenderedDocument, actor) -> RenderedDocument:
    """Ask again for the document's source as it is now (a failed row is retried in place)."""
    source = document.source
    if source is None:
        raise Http404("No such record.")
    return document_request(kind=document.kind, source=source, actor=actor, reason="Retry requested")


# --- rendering (called by the task) ---------------------------------------------------------------------------
@transaction.atomic
def document_claim(*, document_id: int) -> RenderedDocument | None:
    """PENDING -> RENDERING for exactly one worker; None when there is nothing to do for this row."""
    doc = _locked(document_id)
    if doc is None:
        return None
    now = timezone.now()
    lost = (doc.status == Status.RENDERING and doc.claimed_at is not None
            and doc.claimed_at < now - conf.stuck_rendering_after())
    if doc.status != Status.PENDING and not lost:
        return None
    if doc.attempts >= conf.max_attempts():
        doc.error = doc.error or (
            f"Rendering was attempted {doc.attempts} times and never finished (the worker stopped or ran out of "
            "time each time). Ask an administrator to check the worker log, then retry.")
        _move(doc, Status.FAILED, actor=None, reason=f"Gave up after {doc.attempts} attempts")
        return None
    if lost:  # a worker died while it held the row: release it first so the history shows what happened
        _move(doc, Status.PENDING, actor=None, reason="The previous render never finished; retrying")
    doc.attempts += 1
    doc.claimed_at = now
    doc.error = ""
    return _move(doc, Status.RENDERING, actor=None, reason=f"Rendering (attempt {doc.attempts})")


@transaction.atomic
def document_store(*, document_id: int, attempt: int, content: bytes, page_count: int) -> RenderedDocument | None:
    """RENDERING -> READY with the file, its sha256, size and page count; None if the claim was lost."""
    doc = _locked(document_id)
    if doc is None or doc.status != Status.RENDERING or doc.attempts != attempt:
        logger.info("Discarding the render of document %s: it is no longer claimed by this attempt.", document_id)
        return None
    spec = get_kind(doc.kind)
    digest = hashlib.sha256(content).hexdigest()
    doc.file.save(f"{doc.pk}-v{doc.version}-{digest[:16]}.{spec.extension}", ContentFile(content), save=False)
    doc.sha256, doc.size, doc.page_count = digest, len(content), page_count
    doc.file_name = spec.file_name(doc.source, doc.version)
    doc.rendered_at = timezone.now()
    doc.error = ""
    return _move(doc, Status.READY, actor=None, reason="Rendered")


@transaction.atomic
def document_fail(*, document_id: int, attempt: int, error: str) -> RenderedDocument | None:
    doc = _locked(document_id)
    if doc is None or doc.status != Status.RENDERING or doc.attempts != attempt:
        return None
    doc.error = error[:2000]
    return _move(doc, Status.FAILED, actor=None, reason="Rendering failed")


@transaction.atomic
def document_release(*, document_id: int, attempt: int, reason: str) -> RenderedDocument | None:
    """RENDERING -> PENDING (the attempt could not run, e.g. the database went away); the task's autoretry (or
    the sweeper) runs it again."""
    doc = _locked(document_id)
    if doc is None or doc.status != Status.RENDERING or doc.attempts != attempt:
        return None
    doc.queued_at, doc.claimed_at = timezone.now(), None
    _move(doc, Status.PENDING, actor=None, reason=reason)
    return doc


@transaction.atomic
def document_supersede(*, document_id: int, attempt: int) -> RenderedDocument | None:
    """The source changed between the request and the render: this row goes STALE and the current source is
    requested as the next version (on behalf of the same person)."""
    doc = _locked(document_id)
    if doc is None or doc.status != Status.RENDERING or doc.attempts != attempt:
        return None
    _move(doc, Status.STALE, actor=None, reason="The source changed before rendering")
    source = doc.source
    if source is None:
        return None
    newer = document_request(kind=doc.kind, source=source, actor=None, reason="Source changed before rendering")
    if newer.requested_by_id is None and doc.requested_by_id is not None and newer.status == Status.PENDING:
        newer.requested_by = doc.requested_by
        _save(newer, actor=None, reason="Requested on behalf of the original requester")
    return newer


def document_context(doc: RenderedDocument, spec: DocumentKind, source: models.Model, context: dict) -> dict:
    """The context every document template receives: the kind's own data plus `document` metadata."""
    return {
        **context,
        "document": {
            "title": spec.title(source),
            "reference": spec.reference_of(source),
            "kind": spec.label,
            "version": doc.version,
            "source_hash": doc.source_hash,
            "requested_at": doc.requested_at,
        },
    }


def produce(spec: DocumentKind, source: models.Model, doc: RenderedDocument, context: dict) -> tuple[bytes, int]:
    """The bytes to store for `doc`: a PDF, or for a zip kind the PDF plus the kind's attachments."""
    rendered = render_pdf(spec.template, document_context(doc, spec, source, context))
    if not spec.produces_zip:
        return rendered.content, rendered.page_count
    stem = spec.file_name(source, doc.version).rsplit(".", 1)[0]
    members = {f"{stem}.pdf": rendered.content, **spec.attachments(source, context)}
    return build_zip(members), rendered.page_count


def _readable(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def document_render(*, document_id: int) -> RenderedDocument | None:
    """Claim, render, store. Idempotent: a row that is not waiting (READY, STALE, claimed by another worker)
    is left alone, so a duplicate or redelivered task does nothing."""
    doc = document_claim(document_id=document_id)
    if doc is None:
        return RenderedDocument.objects.filter(pk=document_id).first()
    attempt = doc.attempts
    started = timezone.now()
    try:
        spec = get_kind(doc.kind)
        source = doc.source
        if source is None:
            return document_fail(document_id=doc.pk, attempt=attempt,
                                 error="The record this document was rendered from no longer exists.")
        context = spec.build_context(source)
        current = spec.source_hash(source) if spec.source_hash else content_hash(spec.key, context)
        if current != doc.source_hash:
            document_supersede(document_id=doc.pk, attempt=attempt)
            return RenderedDocument.objects.get(pk=doc.pk)
        content, pages = produce(spec, source, doc, context)
    except SoftTimeLimitExceeded:
        logger.exception("Document %s: rendering exceeded %s s", document_id, conf.RENDER_SOFT_TIME_LIMIT)
        return document_fail(document_id=doc.pk, attempt=attempt, error=(
            f"Rendering took longer than {conf.RENDER_SOFT_TIME_LIMIT} seconds and was stopped. The document may "
            "be too large; retry, or ask an administrator to check the worker log."))
    except DatabaseError:
        logger.exception("Document %s: database error while rendering; releasing it for a retry", document_id)
        try:
            document_release(document_id=doc.pk, attempt=attempt, reason="Database error while rendering")
        except DatabaseError:
            logger.exception("Document %s: could not release the claim; the sweeper will", document_id)
        raise
    except Exception as exc:
        logger.exception("Document %s (%s v%s) failed to render", document_id, doc.kind, doc.version)
        return document_fail(document_id=doc.pk, attempt=attempt, error=(
            f"The document could not be rendered ({_readable(exc)}). The full details are in the worker log "
            f"under document {doc.pk}; fix the cause and retry."))
    stored = document_store(document_id=doc.pk, attempt=attempt, content=content, page_count=pages)
    if stored is not None:
        logger.info("Document %s (%s v%s) rendered: %s pages, %s bytes in %.2f s", doc.pk, doc.kind, doc.version,
                    pages, len(content), (timezone.now() - started).total_seconds())
    return stored or RenderedDocument.objects.filter(pk=document_id).first()


# --- the sweeper ---------------------------------------------------------------------------------------------
@transaction.atomic
def document_requeue(*, document_id: int, now=None, rendering_after=None) -> RenderedDocument | None:
    """Queue a stuck row again: PENDING keeps waiting (new queued_at); a RENDERING row whose worker vanished
    goes back to PENDING, or FAILED once it used up its attempts."""
    doc = _locked(document_id)
    if doc is None:
        return None
    now = now or timezone.now()
    rendering_after = rendering_after if rendering_after is not None else conf.stuck_rendering_after()
    if doc.status == Status.RENDERING:
        if doc.claimed_at and doc.claimed_at > now - rendering_after:
            return None
        if doc.attempts >= conf.max_attempts():
            doc.error = (f"Rendering was attempted {doc.attempts} times and never finished (the worker stopped or "
                         "ran out of time each time). Ask an administrator to check the worker log, then retry.")
            return _move(doc, Status.FAILED, actor=None, reason=f"Gave up after {doc.attempts} attempts")
        doc.claimed_at = None
        doc.queued_at = now
        _move(doc, Status.PENDING, actor=None, reason="The worker stopped mid-render; queued again")
    elif doc.status == Status.PENDING:
        doc.queued_at = now
        _save(doc, actor=None, reason="Still waiting; queued again")
    else:
        return None
    _enqueue_on_commit(doc.pk)
    return doc


def document_sweep(*, now=None, pending_after=None, rendering_after=None, limit: int = 200) -> dict[str, int]:
    """Re-queue rows stuck PENDING (the broker was down, the message was lost) or RENDERING (the worker died)."""
    now = now or timezone.now()
    pending_after = pending_after if pending_after is not None else conf.stuck_pending_after()
    rendering_after = rendering_after if rendering_after is not None else conf.stuck_rendering_after()
    pending = list(RenderedDocument.objects.filter(status=Status.PENDING, queued_at__lte=now - pending_after)
                   .order_by("queued_at").values_list("pk", flat=True)[:limit])
    rendering = list(RenderedDocument.objects.filter(status=Status.RENDERING, claimed_at__lte=now - rendering_after)
                     .order_by("claimed_at").values_list("pk", flat=True)[:limit])
    counts = {"pending": 0, "rendering": 0}
    for key, ids in (("pending", pending), ("rendering", rendering)):
        for document_id in ids:
            if document_requeue(document_id=document_id, now=now, rendering_after=rendering_after) is not None:
                counts[key] += 1
    if counts["pending"] or counts["rendering"]:
        logger.warning("Document sweeper re-queued %(pending)s waiting and %(rendering)s interrupted renders", counts)
    return counts
