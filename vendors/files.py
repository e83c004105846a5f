"""Checks on uploaded evidence files: the name, the size and the type judged by content (magic bytes).

`check_upload` runs every check on an uploaded file and fingerprints it (sha256 and size, computed here); it is
the one gate for vendor evidence, proposal documents and milestone acceptance files. The service decides what
to do with a refusal. It reads the file once in chunks (procurement.uploads.scan_upload) and judges the type
from the first bytes (and, for ZIP-based formats, the archive's directory), so it never holds a whole file in
memory; the service stores the same upload afterwards. Allowed: PDF, PNG/JPEG/
GIF/WebP images, Office documents (OOXML and the older OLE2 formats, OpenDocument), CSV, plain text and ZIP.
A file must also carry an extension that fits its content: a PNG named report.pdf is refused.
"""

import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass

from procurement.uploads import UploadRefused, scan_upload

__all__ = ["UploadRefused", "CheckedUpload", "Detected", "check_upload", "clean_name", "detect"]


@dataclass(frozen=True)
class Detected:
    content_type: str
    label: str
    extensions: frozenset[str]

    @property
    def extension(self) -> str:
        return sorted(self.extensions)[0]


PDF = Detected("application/pdf", "PDF document", frozenset({".pdf"}))
PNG = Detected("image/png", "PNG image", frozenset({".png"}))
JPEG = Detected("image/jpeg", "JPEG image", frozenset({".jpg", ".jpeg"}))
GIF = Detected("image/gif", "GIF image", frozenset({".gif"}))
WEBP = Detected("image/webp", "WebP image", frozenset({".webp"}))
DOCX = Detected("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document",
                frozenset({".docx"}))
XLSX = Detected("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook",
                frozenset({".xlsx"}))
PPTX = Detected("application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "PowerPoint presentation", frozenset({".pptx"}))
ODF = Detected("application/vnd.oasis.opendocument", "OpenDocument file", frozenset({".odt", ".ods", ".odp"}))
OLE2 = Detected("application/vnd.ms-office", "Office 97–2003 document", frozenset({".doc", ".xls", ".ppt"}))
ZIP = Detected("application/zip", "ZIP archive", frozenset({".zip"}))
CSV = Detected("text/csv", "CSV file", frozenset({".csv"}))
TEXT = Detected("text/plain", "plain-text file", frozenset({".txt", ".md", ".log"}))

ALLOWED_DESCRIPTION = "PDF, images (PNG, JPEG, GIF, WebP), Office documents, CSV, plain text or ZIP"
MAX_NAME_LENGTH = 200


def clean_name(name: str) -> str:
    """The original file name, if it is safe to keep as a label; refuse path tricks and odd characters."""
    if name is None or not name.strip():
        raise UploadRefused("The file has no name.")
    if len(name) > MAX_NAME_LENGTH:
        raise UploadRefused(f"The file name is longer than {MAX_NAME_LENGTH} characters; rename it and try again.")
    if "/" in name or "\\" in name or "\x00" in name or ".." in name.split("/") or name.strip(" .") in {"", ".."}:
        raise UploadRefused("The file name contains a path (slashes or '..'); upload the file under a plain name.")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in name):
        raise UploadRefused("The file name contains control or invisible characters; rename it and try again.")
    if name.startswith(".") or ".." in name:
        raise UploadRefused("The file name starts with a dot or contains '..'; rename it and try again.")
    stem, ext = os.path.splitext(name)
    if not stem or not ext:
        raise UploadRefused("The file name needs an extension such as .pdf.")
    return name.strip()


def _zip_kind(fileobj) -> Detected:
    """The kind of a ZIP-based file, from its directory (zipfile reads only that, from the end of the file)."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype.startswith("application/vnd.oasis.opendocument"):
                    return ODF
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        raise UploadRefused("The file looks like a ZIP archive but is damaged.") from None
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
        if any(n.startswith("ppt/") for n in names):
            return PPTX
    return ZIP


def _is_text(sample: bytes, *, has_nul: bool) -> bool:
    """Text: no NUL anywhere in the file (`has_nul`), and the first 64 kB (`sample`) is UTF-8 without controls."""
    if has_nul:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is fine.
        if exc.start < len(sample) - 4:
            return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls == 0


def detect(data: bytes, name: str) -> Detected:
    """The type of `data` judged by its content, checked against the extension of `name`."""
    return _detect(data[:65536], name, has_nul=b"\x00" in data, archive=lambda: io.BytesIO(data))


def _detect(head: bytes, name: str, *, has_nul: bool, archive) -> Detected:
    """The type judged by the first bytes of a file (`head`); `archive()` gives the whole file, seekable, for a
    ZIP archive's directory to be read."""
    if not head:
        raise UploadRefused("The file is empty.")
    ext = os.path.splitext(name)[1].lower()
    if head.startswith(b"%PDF-"):
        found = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        found = JPEG
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        found = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = WEBP
    elif head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        found = _zip_kind(archive())
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        found = OLE2
    elif _is_text(head, has_nul=has_nul):
        found = CSV if ext == ".csv" else TEXT
    else:
        raise UploadRefused(f"This type of file is not accepted (judged by its content). Upload {ALLOWED_DESCRIPTION}.")
    if ext not in found.extensions:
        raise UploadRefused(f"The name ends in '{ext or 'no extension'}' but the content is a {found.label}; "
                            f"rename it (e.g. to {found.extension}) or upload the right file.")
    return found


@dataclass(frozen=True)
class CheckedUpload:
    """An uploaded file that passed every check: its safe original name, fingerprint and type. The bytes stay
    in the upload itself (rewound), which is what the service stores."""

    original_name: str
    sha256: str
    size: int
    detected: Detected

    @property
    def content_type(self) -> str:
        return self.detected.content_type

    @property
    def extension(self) -> str:
        return self.detected.extension


def _rewound(content):
    content.seek(0)
    return content


def check_upload(content, original_name: str, *, limit: int) -> CheckedUpload:
    """Check the name, the size (reading at most limit+1 bytes) and the type by content, then fingerprint the
    bytes, all in one chunked pass. Raises UploadRefused with the reason; the file is rewound afterwards so it
    can still be stored."""
    name = clean_name(original_name)
    scan = scan_upload(content, limit)
    try:
        detected = _detect(scan.head, name, has_nul=scan.has_nul, archive=lambda: _rewound(content))
    finally:
        content.seek(0)
    return CheckedUpload(original_name=name, sha256=scan.sha256, size=scan.size, detected=detected)
