"""A small RFC 5545 writer: all-day events, text escaping (§3.3.11), CRLF line ends and line folding (§3.1)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across feeds, so a calendar updates the event instead of duplicating it
    day: date
    summary: str
    description: str = ""
    url: str = ""


def record_uid(record, *qualifiers) -> str:
    """A calendar UID that names the record itself (model and primary key, then what about it, e.g. "notice"),
    never its position in a list: the same milestone has the same UID in every feed and every handoff pack, so
    a calendar that imports it again updates that event instead of moving another one."""
    meta = record._meta
    parts = [f"{meta.app_label}.{meta.model_name}", str(record.pk), *(str(q) for q in qualifiers if q != "")]
    return "-".join(parts) + "@baton"


def ics_escape(text: str) -> str:
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def ics_fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and one space (never splitting a
    multi-byte character)."""
    if len(line.encode("utf-8")) <= 75:
        return line
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def to_ics(events: list[CalendarEvent], *, name: str, product: str = "Baton", now: datetime | None = None) -> bytes:
    stamp = (now or timezone.now()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//Baton//{ics_escape(product)}//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{ics_escape(name)}"]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{ics_escape(event.uid)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.day.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(event.day + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{ics_escape(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{ics_escape(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(ics_fold(line) for line in lines) + "\r\n").encode("utf-8")
