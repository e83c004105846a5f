"""The ceiling on uploaded files, enforced while the request body streams in.

`BoundedUploadHandler` sits first in FILE_UPLOAD_HANDLERS. It counts each file's bytes as they arrive; once a
file passes BATON_UPLOAD_MAX_BYTES it stops handing chunks to the handlers behind it (so nothing more is kept
in memory or in a temporary file) and, when the file ends, hands the form an `OversizeUpload` instead: an
empty file that knows how big the original was. Every form FileField carries `refuse_oversize` (installed by
ProcurementConfig.ready), so the person sees "too large" at the field, no service runs, nothing is saved, and
the server never holds more than the ceiling of any one file.

`scan_upload` reads an accepted upload once, in chunks, for its size and sha256 (and the first bytes, for the
type check), so a 25 MB file is never held whole in memory; the service then hands the same upload (a temporary
file on disk past FILE_UPLOAD_MAX_MEMORY_SIZE) to the storage, which copies it in chunks too.

The fingerprint of a stored file is checked here too, for every kind of stored file (vendor evidence,
proposal documents, milestone acceptance files, rendered documents): `open_verified` (and `verified_download`,
the response every download view sends) refuses a missing or altered file with
`procurement.exceptions.EvidenceTampered`. See `open_verified` for how a download stays both verified and flat
in memory.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse

from procurement.exceptions import EvidenceTampered

CHUNK = 1024 * 1024
HEAD = 65536  # how much of an upload the type check looks at (magic bytes, "is this text?")
# A verified download is copied into a temporary file that stays in memory up to this size, then moves to disk.
SPOOL_MAX_MEMORY = 1024 * 1024


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


@dataclass(frozen=True)
class UploadScan:
    """What one chunked pass over an upload found: its sha256 and size, its first bytes, whether it holds a NUL."""

    sha256: str
    size: int
    head: bytes
    has_nul: bool


def scan_upload(content, limit: int) -> UploadScan:
    """Read an uploaded file once in chunks: its sha256, its size and its first HEAD bytes, refusing
    (UploadRefused) a file over `limit` bytes as soon as that is known. Memory stays at one chunk whatever the
    size of the file. The file is rewound before and after, when it can be, so the caller can store it."""
    if hasattr(content, "seek"):
        content.seek(0)
    size = getattr(content, "size", None)
    if size is not None and size > limit:
        raise UploadRefused(_too_big(size, limit))
    digest, total, head, has_nul = hashlib.sha256(), 0, b"", False
    reader = content.chunks() if hasattr(content, "chunks") else iter(lambda: content.read(CHUNK), b"")
    for chunk in reader:
        total += len(chunk)
        if total > limit:
            raise UploadRefused(_too_big(total, limit))
        digest.update(chunk)
        if len(head) < HEAD:
            head += chunk[: HEAD - len(head)]
        has_nul = has_nul or b"\x00" in chunk
    if hasattr(content, "seek"):
        content.seek(0)
    return UploadScan(sha256=digest.hexdigest(), size=total, head=head, has_nul=has_nul)


def _missing(what: str) -> EvidenceTampered:
    return EvidenceTampered(f"{what} is missing, so it cannot be served. Report this to an administrator.",
                            missing=True)


def open_verified(stored, *, sha256: str, what: str = "The stored file"):
    """A private copy of a stored file (a FieldFile), rewound, once its bytes match the sha256 recorded when it
    was stored; the caller closes it (a FileResponse does). Every download view serves stored files this way.

    How (and why this way): the stored file is read once, in 1 MB chunks, into a temporary file of our own
    (in memory up to SPOOL_MAX_MEMORY, then on disk) while the chunks are hashed. Only when the whole file has
    matched is the copy handed back to be served. So:
    - memory stays flat: nothing holds the whole file, whatever its size (a 25 MB file costs about one chunk);
    - nothing is sent before the check is complete. A response streamed straight from storage would have sent
      most of an altered file before the hash could fail at its end, and the status line cannot be taken back;
    - what is served is exactly what was verified. Reading the object twice (hash, then stream) would leave a
      window in which it could change between the two reads, and would fetch it from the bucket twice.
    Signed storage URLs were ruled out for the same reason: the check would vouch for bytes the browser then
    fetches later, unchecked, straight from the bucket (which would also have to be reachable by browsers).
    The price is one local copy per download in flight, in FILE_UPLOAD_TEMP_DIR (or the system's temp folder).

    A missing file or one whose content changed raises EvidenceTampered (`missing` set for the first), and
    nothing is returned. `what` names the file in the refusal ("The stored file for “SOC 2 report”").
    """
    if not stored:
        raise _missing(what)
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_MEMORY, dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115 - the caller (a FileResponse) closes it
    try:
        digest = hashlib.sha256()
        try:
            with stored.open("rb") as handle:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(chunk)
                    copy.write(chunk)
        except (FileNotFoundError, OSError):
            raise _missing(what) from None
        if digest.hexdigest() != sha256:
            raise EvidenceTampered(
                f"{what} no longer matches the fingerprint recorded at upload (sha256 {sha256[:12]}…). "
                "It has not been served. Report this to an administrator.")
        copy.seek(0)
    except BaseException:
        copy.close()
        raise
    return copy


def read_verified(stored, *, sha256: str, what: str = "The stored file") -> bytes:
    """The bytes of a stored file once they match its recorded sha256 (see open_verified, which raises the same
    EvidenceTampered). This holds the whole file in memory: downloads use `verified_download` instead."""
    with open_verified(stored, sha256=sha256, what=what) as handle:
        return handle.read()


class VerifiedFileResponse(FileResponse):
    block_size = 64 * 1024  # FileResponse's 4 kB makes a 25 MB download 6,400 reads


def attachment_response(handle, *, filename: str, content_type: str, sha256: str = "") -> FileResponse:
    """Stream an open, verified file (from `open_verified`) as a download; the response closes the file."""
    response = VerifiedFileResponse(handle, as_attachment=True, filename=filename,
                                    content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if sha256:
        response["X-Content-SHA256"] = sha256
    return response


def verified_download(stored, *, sha256: str, filename: str, content_type: str,
                      what: str = "The stored file") -> FileResponse:
    """The download response for a stored file, after `open_verified` matched it to its sha256 (raises
    EvidenceTampered otherwise, before anything is sent). Call it only after the permission check."""
    handle = open_verified(stored, sha256=sha256, what=what)
    return attachment_response(handle, filename=filename, content_type=content_type, sha256=sha256)


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
