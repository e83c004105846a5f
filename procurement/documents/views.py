"""Document status, request/retry and download. The source's policy decides who sees what (404 if unseen)."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from procurement import authz
from procurement.documents import services
from procurement.documents.models import RenderedDocument
from procurement.documents.registry import DocumentKind, UnknownDocumentKind, get_kind
from procurement.documents.selectors import panel_state
from procurement.exceptions import EvidenceTampered
from procurement.uploads import verified_download

logger = logging.getLogger(__name__)


def _kind_or_404(key: str) -> DocumentKind:
    try:
        return get_kind(key)
    except UnknownDocumentKind:
        raise Http404("No such record.") from None


def _source_or_404(user, kind: DocumentKind, source_id: int):
    return authz.get_for_user_or_404(user, kind.get_policy(), pk=source_id)


def _document_or_404(user, pk: int) -> tuple[RenderedDocument, DocumentKind, object]:
    doc = RenderedDocument.objects.select_related("content_type").filter(pk=pk).first()
    if doc is None:
        raise Http404("No such record.")
    kind = _kind_or_404(doc.kind)
    if doc.content_type.model_class() is not kind.model:
        raise Http404("No such record.")
    source = _source_or_404(user, kind, doc.object_id)
    return doc, kind, source


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _panel_response(request, kind: DocumentKind, source, *, delay: int | None = None, status: int = 200):
    context = {"panel": panel_state(kind, source, user=request.user, delay=delay)}
    if request.htmx:
        return render(request, "documents/_document.html#body", context, status=status)
    return render(request, "documents/status.html", {**context, "source": source, "kind": kind}, status=status)


@login_required
@require_GET
def document_status(request, kind: str, source_id: int):
    spec = _kind_or_404(kind)
    source = _source_or_404(request.user, spec, source_id)
    return _panel_response(request, spec, source, delay=_int_or_none(request.GET.get("delay")))


def _after_post(request, spec: DocumentKind, source):
    if request.htmx:
        return _panel_response(request, spec, source)
    if hasattr(source, "get_absolute_url"):
        return redirect(source.get_absolute_url())
    return redirect("documents:status", kind=spec.key, source_id=source.pk)


@login_required
@require_POST
def document_request_view(request, kind: str, source_id: int):
    spec = _kind_or_404(kind)
    source = _source_or_404(request.user, spec, source_id)
    services.document_request(kind=spec.key, source=source, actor=request.user)
    return _after_post(request, spec, source)


@login_required
@require_POST
def document_retry_view(request, pk: int):
    doc, spec, source = _document_or_404(request.user, pk)
    services.document_retry(document=doc, actor=request.user)
    return _after_post(request, spec, source)


def _refuse(request, message: str, status: int = 409):
    return render(request, "errors/409.html", {"message": message}, status=status)


@login_required
@require_GET
def document_download(request, pk: int):
    doc, spec, source = _document_or_404(request.user, pk)
    if not spec.get_policy().allows(request.user, "view", source):  # belt and braces: re-checked here
        raise PermissionDenied("You may not see this document.")
    if doc.status not in (RenderedDocument.Status.READY, RenderedDocument.Status.STALE) or not doc.file:
        return _refuse(request, "This document has not been rendered yet, so there is nothing to download.")
    try:  # verified in full before a byte is sent, then streamed from a private copy (see open_verified)
        return verified_download(doc.file, sha256=doc.sha256, filename=doc.file_name or f"document-{doc.pk}.pdf",
                                 content_type=spec.content_type)
    except EvidenceTampered as exc:
        if exc.missing:
            logger.error("Document %s: stored file %s is missing", doc.pk, doc.file.name)
            return _refuse(request, "The stored file of this document is missing. Render it again to get a new copy.")
        logger.error("Document %s: stored file %s does not match its recorded sha256", doc.pk, doc.file.name)
        return _refuse(request, "The stored file of this document no longer matches the fingerprint (sha256) "
                                "recorded when it was rendered, so it has not been served. It may have been altered; "
                                "render it again and tell an administrator.")
