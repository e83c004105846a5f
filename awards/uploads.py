"""Server-side checks and fingerprint of an uploaded proposal file.

The checks are the vendors app's one gate for uploaded files (vendors.files.check_upload: a safe name, the size
limit, the type judged by magic bytes with an extension that fits, and the sha256 and size computed on the
server); the content type comes from that detection, never from the browser. The stored file is re-checked
against its sha256 by the kernel (procurement.uploads.sha256_of_stored, re-exported here for the download view).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from procurement.uploads import sha256_of_stored
from vendors.files import UploadRefused, check_upload

__all__ = ["MAX_UPLOAD_BYTES", "Fingerprint", "fingerprint_upload", "sha256_of_stored"]

MAX_UPLOAD_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    size: int
    content_type: str
    original_name: str


def fingerprint_upload(upload) -> Fingerprint:
    """Validate `upload` (a Django UploadedFile) and return its sha256, size and content type."""
    try:
        checked = check_upload(upload, upload.name, limit=MAX_UPLOAD_BYTES)
    except UploadRefused as exc:
        raise ValidationError({"file": str(exc)}) from None
    return Fingerprint(sha256=checked.sha256, size=checked.size, content_type=checked.content_type,
                       original_name=checked.original_name[:255])
