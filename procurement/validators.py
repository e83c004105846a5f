"""Text that reaches Baton through a form must be text a person can read as it is.

Refused in every form text field (hooked onto django.forms.CharField in ProcurementConfig.ready):
- control characters other than tab, line feed and carriage return (NUL, BEL, ESC, ...);
- the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make text display in a different
  order than it is stored, e.g. a file or vendor name that reads "invoice.pdf" but ends in ".exe".
Right-to-left scripts themselves (Arabic, Hebrew) are fine; only the invisible direction controls are refused.
Every form date must also fall in a plausible range (`plausible_date`, hooked onto DateField and DateTimeField).
"""

import unicodedata

from django.core.exceptions import ValidationError

ALLOWED_CONTROLS = frozenset("\t\n\r")
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character').title()})"


def readable_text(value) -> None:
    if not isinstance(value, str):
        return
    for ch in value:
        if ch in BIDI_CONTROLS:
            raise ValidationError(
                "Remove the invisible text-direction character %(char)s: it makes text display in a different "
                "order than it is stored.", code="bidi_control", params={"char": _describe(ch)})
        if ch not in ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc":
            raise ValidationError("Remove the control character %(char)s; only plain text is accepted.",
                                  code="control_character", params={"char": _describe(ch)})


EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def plausible_date(value) -> None:
    """Dates typed into Baton's forms fall between 1900 and 2200; year 1 or 9999 is a typo, not a plan."""
    year = getattr(value, "year", None)
    if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValidationError("Enter a date between %(first)s and %(last)s; %(year)s looks like a typo.",
                              code="implausible_date",
                              params={"first": EARLIEST_YEAR, "last": LATEST_YEAR, "year": year})
