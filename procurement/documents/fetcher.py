"""The only way WeasyPrint may load anything while rendering a Baton document.

Allowed: the project's own static files (addressed under STATIC_ORIGIN + STATIC_URL, read from disk through
the staticfiles finders, never over the network) and `data:` URIs. Everything else — http(s) to any host,
`file://`, ftp, unknown schemes, redirects — is refused. A refusal is an ordinary fetch error, so WeasyPrint
logs it, leaves the resource out and still produces the PDF.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# A host under the reserved .invalid top-level domain: it never resolves, and the fetcher never asks.
STATIC_ORIGIN = "https://baton-static.invalid"
BASE_URL = f"{STATIC_ORIGIN}/"
MAX_DATA_URI_BYTES = 5 * 1024 * 1024


class RefusedURL(ValueError):
    """The fetcher will not load this URL (WeasyPrint catches it and renders without the resource)."""


class SafeURLFetcher(URLFetcher):
    def __init__(self) -> None:
        # No protocol reaches urllib's openers; redirects are off and errors never stop the render.
        super().__init__(timeout=1, allowed_protocols=frozenset(), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        response = self._data_uri(url) if url[:5].lower() == "data:" else self._static_file(url)
        self.served.append(url[:80])
        return response

    # Never let the base class open anything.
    def open(self, url, data=None, timeout=None):
        return self.fetch(url.full_url if hasattr(url, "full_url") else url)

    def _refuse(self, url: str, why: str) -> RefusedURL:
        self.refused.append(url)
        logger.warning("Document renderer refused to fetch %.200s (%s)", url, why)
        return RefusedURL(f"refused: {why}")

    def _data_uri(self, url: str) -> URLFetcherResponse:
        header, sep, payload = url[5:].partition(",")
        if not sep:
            raise self._refuse(url, "malformed data: URI")
        params = header.split(";")
        is_base64 = params[-1].strip().lower() == "base64"
        if is_base64:
            params = params[:-1]
        mime = (params[0].strip() or "text/plain") if params else "text/plain"
        try:
            body = base64.b64decode(unquote(payload), validate=False) if is_base64 else unquote_to_bytes(payload)
        except (ValueError, TypeError):
            raise self._refuse(url, "undecodable data: URI") from None
        if len(body) > MAX_DATA_URI_BYTES:
            raise self._refuse(url, "data: URI too large")
        headers = {"Content-Type": mime}
        charset = next((p.split("=", 1)[1] for p in params[1:] if p.strip().lower().startswith("charset=")), None)
        if charset:
            headers["Content-Type"] = f"{mime}; charset={charset.strip()}"
        return URLFetcherResponse(url="data:", body=body, headers=headers)

    def _static_file(self, url: str) -> URLFetcherResponse:
        prefix = STATIC_ORIGIN + settings.STATIC_URL
        if not url.startswith(prefix):
            raise self._refuse(url, "only the project's static files and data: URIs may be loaded")
        relative = unquote(url[len(prefix):].split("?", 1)[0].split("#", 1)[0])
        normalised = posixpath.normpath(relative)
        if (not relative or normalised.startswith(("/", "..")) or "\\" in relative or "\x00" in relative
                or normalised != relative.rstrip("/")):
            raise self._refuse(url, "not a plain static path")
        path = self._find(normalised)
        if path is None:
            raise self._refuse(url, "no such static file")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url=url, body=path.read_bytes(), headers={"Content-Type": mime})

    @staticmethod
    def _find(relative: str) -> Path | None:
        try:
            found = finders.find(relative)
        except Exception:  # SuspiciousFileOperation and friends: treat as absent
            found = None
        if found:
            return Path(found)
        root = getattr(settings, "STATIC_ROOT", None)
        if root:
            candidate = (Path(root) / relative).resolve()
            if candidate.is_file() and Path(root).resolve() in candidate.parents:
                return candidate
        return None
