"""Server-side checks and fingerprint of an uploaded proposal file.

Small and self-contained: the vendors app's evidence upload helper did not exist when this was written.
The content type is decided here from the file's name *and* its first bytes; the browser's claim is ignored.
"""

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError

MAX_UPLOAD_BYTES = 25 * 1024 * 1024

# extension -> (content type, magic prefix or None for UTF-8 text)
ALLOWED: dict[str, tuple[str, bytes | None]] = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", b"PK\x03\x04"),
    ".csv": ("text/csv", None),
    ".txt": ("text/plain", None),
    ".md": ("text/markdown", None),
}


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    size: int
    content_type: str
    original_name: str


def fingerprint_upload(upload) -> Fingerprint:
    """Validate `upload` (a Django UploadedFile) and return its sha256, size and content type."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise ValidationError({"file": f"Files of this type are not accepted; use one of {allowed}."})
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."})
    content_type, magic = ALLOWED[suffix]
    digest = hashlib.sha256()
    head = b""
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < 4096:
            head += chunk[: 4096 - len(head)]
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    if magic is not None and not head.startswith(magic):
        raise ValidationError({"file": f"The file's content does not match its {suffix} extension."})
    if magic is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the 4 KiB boundary is fine; anything earlier is not text.
            if exc.start < len(head) - 4:
                raise ValidationError({"file": "The file is not UTF-8 text."}) from None
        if b"\x00" in head:
            raise ValidationError({"file": "The file is not UTF-8 text."})
    return Fingerprint(sha256=digest.hexdigest(), size=size, content_type=content_type, original_name=name[:255])


def sha256_of_stored(field_file) -> str:
    digest = hashlib.sha256()
    with field_file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
