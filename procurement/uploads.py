"""The ceiling on uploaded files, enforced while the request body streams in.

`BoundedUploadHandler` sits first in FILE_UPLOAD_HANDLERS. It counts each file's bytes as they arrive; once a
file passes BATON_UPLOAD_MAX_BYTES it stops handing chunks to the handlers behind it (so nothing more is kept
in memory or in a temporary file) and, when the file ends, hands the form an `OversizeUpload` instead: an
empty file that knows how big the original was. Every form FileField carries `refuse_oversize` (installed by
ProcurementConfig.ready), so the person sees "too large" at the field, no service runs, nothing is saved, and
the server never holds more than the ceiling of any one file.

The fingerprint of a stored file is checked here too, for every kind of stored file (vendor evidence,
proposal documents, milestone acceptance files, rendered documents): `sha256_hex`, `sha256_of_stored` and
`read_verified`, which refuses a missing or altered file with `procurement.exceptions.EvidenceTampered`.
"""

from __future__ import annotations

import hashlib
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from procurement.exceptions import EvidenceTampered

CHUNK = 1024 * 1024


class UploadRefused(ValueError):
    """An uploaded file was refused; the message says why, in words a person understands."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_capped(content, limit: int) -> bytes:
    """All the bytes of an uploaded file, reading at most limit+1 of them, so an oversize file is refused
    (UploadRefused) without reading all of it. The file is rewound before and after, when it can be."""
    if hasattr(content, "seek"):
        content.seek(0)
    size = getattr(content, "size", None)
    if size is not None and size > limit:
        raise UploadRefused(_too_big(size, limit))
    chunks, total = [], 0
    reader = content.chunks() if hasattr(content, "chunks") else iter(lambda: content.read(65536), b"")
    for chunk in reader:
        total += len(chunk)
        if total > limit:
            raise UploadRefused(_too_big(total, limit))
        chunks.append(chunk)
    if hasattr(content, "seek"):
        content.seek(0)
    return b"".join(chunks)


def _too_big(size: int, limit: int) -> str:
    return f"The file is too large ({size / 1048576:.1f} MB, or more); the limit is {limit / 1048576:.1f} MB."


def sha256_of_stored(stored) -> str:
    """The sha256 of a stored file (a FieldFile), read in chunks."""
    digest = hashlib.sha256()
    with stored.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_verified(stored, *, sha256: str, what: str = "The stored file") -> bytes:
    """The bytes of a stored file (a FieldFile), once they match the sha256 recorded when it was stored.

    `what` names the file in the refusal ("The stored file for “SOC 2 report”"). A missing file or one whose
    content changed raises EvidenceTampered (with `missing` set for the first), and nothing is served.
    """
    if not stored:
        raise EvidenceTampered(f"{what} is missing, so it cannot be served. Report this to an administrator.",
                               missing=True)
    try:
        with stored.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        raise EvidenceTampered(f"{what} is missing, so it cannot be served. Report this to an administrator.",
                               missing=True) from None
    if sha256_hex(data) != sha256:
        raise EvidenceTampered(
            f"{what} no longer matches the fingerprint recorded at upload (sha256 {sha256[:12]}…). "
            "It has not been served. Report this to an administrator.")
    return data


def upload_ceiling() -> int:
    return int(settings.BATON_UPLOAD_MAX_BYTES)


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 104858 else f"{max(1, size // 1024)} kB"


def refuse_oversize(value) -> None:
    """Form validator (installed on every FileField by ProcurementConfig.ready): refuse a cut-off file."""
    if getattr(value, "oversize", False):
        raise ValidationError(
            f"The file is too large ({_megabytes(value.size)} or more); the limit is {_megabytes(value.limit)}. "
            "Nothing was saved.", code="file_too_large")


class OversizeUpload(UploadedFile):
    """Stands in for a file that passed the ceiling: no content, the size seen (more than the ceiling)."""

    oversize = True

    def __init__(self, *, name: str, content_type: str | None, size: int, limit: int, charset=None):
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=size, charset=charset)
        self.limit = limit

    def __repr__(self) -> str:
        return f"<OversizeUpload: {self.name} ({self.size} bytes, limit {self.limit})>"


class BoundedUploadHandler(FileUploadHandler):
    """Counts every file's bytes and cuts the stream off from the storing handlers past the ceiling."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = upload_ceiling()
        self.seen = 0
        self.oversize = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.seen = 0
        self.oversize = False

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self.oversize = True
            return None  # the handlers behind this one never see the rest
        return raw_data

    def file_complete(self, file_size):
        if not self.oversize:
            return None  # the next handler (memory or temporary file) completes the file as usual
        if self.request is not None:
            refused = getattr(self.request, "oversize_uploads", [])
            refused.append(self.field_name)
            self.request.oversize_uploads = refused
        return OversizeUpload(name=self.file_name, content_type=self.content_type, size=self.seen,
                              limit=self.limit, charset=self.charset)
