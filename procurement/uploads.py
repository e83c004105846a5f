"""The ceiling on uploaded files, enforced while the request body streams in.

`BoundedUploadHandler` sits first in FILE_UPLOAD_HANDLERS. It counts each file's bytes as they arrive; once a
file passes BATON_UPLOAD_MAX_BYTES it stops handing chunks to the handlers behind it (so nothing more is kept
in memory or in a temporary file) and, when the file ends, hands the form an `OversizeUpload` instead: an
empty file that knows how big the original was. Every form FileField carries `refuse_oversize` (installed by
ProcurementConfig.ready), so the person sees "too large" at the field, no service runs, nothing is saved, and
the server never holds more than the ceiling of any one file.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


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
