"""Document kinds: what a capability declares so the pipeline can render, guard and name its documents.

An app registers each kind once, at import time of a module it contributes (`Contributions.document_kinds`
on its AppConfig; procurement.documents.apps imports them at start-up in every process):

    register(DocumentKind(
        key="award_memo",
        label="Award decision memo",
        source_model="awards.DecisionMemo",
        policy=lambda: awards.policies.memo_policy,
        template="awards/memo_pdf.html",
        build_context=memo_document_context,          # source -> plain data (dicts, lists, str, dates...)
        filename="{source.reference}-award-memo-v{version}",
        title=lambda memo: f"Award decision memo {memo.reference}",
    ))

A zip kind adds `attachments`: a function (source, context) -> {file name: bytes}; the pipeline then stores a
zip holding the rendered PDF plus those files (see `DocumentKind.produces_zip`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models

from procurement.authz import ObjectPolicy


class UnknownDocumentKind(LookupError):
    pass


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True)) if isinstance(value, (set, frozenset)) \
            else items
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, models.Model):
        return f"{value._meta.label}:{value.pk}"
    return str(value)


def content_hash(*parts: Any) -> str:
    """sha256 (hex) of a canonical JSON form of `parts`: equal content gives an equal hash, always."""
    payload = json.dumps(_canonical(list(parts)), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DocumentKind:
    """What the pipeline needs to know about one kind of document.

    - `key`: stable identifier stored on each row and used in URLs (letters, digits, `_`).
    - `source_model`: "app_label.ModelName" of the object the document is rendered from.
    - `policy`: the ObjectPolicy guarding the source, or a zero-argument callable returning it (lazy, so a
      kind module need not import the capability's permissions at import time). Seeing the source lets a
      person see, and download, its documents; `request_action` on the source lets them request a render.
    - `template`: the Django template that lays the document out (it extends "documents/base_pdf.html").
    - `build_context(source)`: plain data for the template. Narrative text must already be sanitised HTML
      (procurement.markdown.render_markdown), never raw user input.
    - `source_hash(source)`: a hash of everything the document shows. Default: `content_hash` of the
      context, which is exact when the context holds only what the template prints. Declare a cheaper one
      when the context is expensive (it runs on every request and page view).
    - `filename`: a format pattern with `source`, `version` and `slug` (slugified `title`) available, or a
      callable (source, version) -> str; without extension.
    - `title(source)`: the document title (running header, cover).
    - `reference(source)`: a short reference printed in the running header (default: the source's str()).
    - `source_label`: how the component names the source in sentences ("vendor", "memo").
    - `attachments(source, context)`: when set, the document is a zip of the PDF plus these files.
    """

    key: str
    label: str
    source_model: str
    policy: ObjectPolicy | Callable[[], ObjectPolicy]
    template: str
    build_context: Callable[[models.Model], dict]
    filename: str | Callable[[models.Model, int], str]
    title: Callable[[models.Model], str]
    source_hash: Callable[[models.Model], str] | None = None
    reference: Callable[[models.Model], str] | None = None
    request_action: str = "view"
    source_label: str = "record"
    attachments: Callable[[models.Model, dict], dict[str, bytes]] | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.key.replace("_", "").isalnum():
            raise ValueError(f"A document kind key is letters, digits and underscores: {self.key!r}")

    # --- derived answers -----------------------------------------------------------------------------------
    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.source_model)

    def get_policy(self) -> ObjectPolicy:
        return self.policy if isinstance(self.policy, ObjectPolicy) else self.policy()

    @property
    def produces_zip(self) -> bool:
        return self.attachments is not None

    @property
    def extension(self) -> str:
        return "zip" if self.produces_zip else "pdf"

    @property
    def content_type(self) -> str:
        return "application/zip" if self.produces_zip else "application/pdf"

    def hash_source(self, source: models.Model) -> str:
        if self.source_hash is not None:
            return self.source_hash(source)
        return content_hash(self.key, self.build_context(source))

    def reference_of(self, source: models.Model) -> str:
        return self.reference(source) if self.reference else str(source)

    def file_name(self, source: models.Model, version: int) -> str:
        from django.utils.text import slugify

        if callable(self.filename):
            stem = self.filename(source, version)
        else:
            stem = self.filename.format(source=source, version=version, slug=slugify(self.title(source)))
        return f"{safe_stem(stem) or self.key}.{self.extension}"


def safe_stem(text: str) -> str:
    """A file-name stem that survives every browser and file system: ASCII letters, digits, '-' and '_'."""
    import re
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text)).strip("-_")[:120]


_KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind, *, replace: bool = False) -> DocumentKind:
    """Add a kind. Registering a different kind under a taken key is a programming error."""
    existing = _KINDS.get(kind.key)
    if existing is not None and existing != kind and not replace:
        raise ValueError(f"Document kind {kind.key!r} is already registered.")
    _KINDS[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    _KINDS.pop(key, None)


def get_kind(key: str) -> DocumentKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise UnknownDocumentKind(f"There is no document kind called {key!r}.") from None


def all_kinds() -> list[DocumentKind]:
    return list(_KINDS.values())
