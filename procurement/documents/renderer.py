"""Pure rendering: (template, context) -> bytes. No database writes, no network, no files outside static."""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass

from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Fixed timestamp for zip members so the same content always gives the same bytes.
_ZIP_EPOCH = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Rendered:
    content: bytes
    page_count: int
    refused_urls: tuple[str, ...] = ()


def html_to_pdf(html: str) -> Rendered:
    # Imported here, not at module level: WeasyPrint takes ~0.5 s to import and only renderers need it.
    from weasyprint import HTML

    from procurement.documents.fetcher import BASE_URL, SafeURLFetcher

    fetcher = SafeURLFetcher()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    content = document.write_pdf()
    return Rendered(content=content, page_count=len(document.pages), refused_urls=tuple(fetcher.refused))


def render_pdf(template_name: str, context: dict) -> Rendered:
    """Render `template_name` with `context` to PDF bytes through the restricted fetcher."""
    return html_to_pdf(render_to_string(template_name, context))


def build_zip(members: dict[str, bytes]) -> bytes:
    """A deterministic zip: members in the given order, fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
