"""Server-side checks and fingerprint of an uploaded proposal file.

The name and content checks are the vendors app's (vendors.files: clean_name and detect, which judge the type by
magic bytes and refuse an extension that does not fit); the content type comes from that detection, never from
the browser. Here: the size limit, the sha256 and the size, computed on the server.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from vendors.files import UploadRefused, clean_name, detect

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
        name = clean_name(upload.name)
    except UploadRefused as exc:
        raise ValidationError({"file": str(exc)}) from None
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."})
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."})
    try:
        detected = detect(data, name)
    except UploadRefused as exc:
        raise ValidationError({"file": str(exc)}) from None
    return Fingerprint(sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                       content_type=detected.content_type, original_name=name[:255])


def sha256_of_stored(field_file) -> str:
    digest = hashlib.sha256()
    with field_file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
