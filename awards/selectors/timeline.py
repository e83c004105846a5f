"""Reads about a procedure's timeline once its RFP is out (issue 17, findings 3 and 17).

Minimum windows. Bidders need time to read an RFP, ask questions and write a proposal. Two settings give the
least time, in calendar days, per vendor tier:

    BATON_MIN_RESPONSE_DAYS   RFP issue -> proposals due      default {"low": 10, "medium": 15, "high": 20,
                                                                        "critical": 25}
    BATON_MIN_QA_DAYS         RFP issue -> question deadline  default {"low": 5, "medium": 7, "high": 10,
                                                                        "critical": 10}

The tier that counts is the most demanding one among the procedure's invited bidders (a declined bidder no
longer counts), read from each vendor's current tier. An untiered vendor counts as critical, and so does a
procedure with no bidder yet. A tier missing from a configured dict falls back to its default above.

Changes after issue. Every change of the timeline after the RFP went out is one history row of the procedure
whose reason starts with TIMELINE_CHANGE_MARK; the page's note and the bidders' notice are read from those rows
(the dates from the row and the row before it, the reason from the row's reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from awards.models.procedure import TIMELINE_FIELDS, Stage
from vendors.models import Tier
from vendors.models.registry import TIER_ORDER

DEFAULT_MIN_RESPONSE_DAYS = {Tier.LOW: 10, Tier.MEDIUM: 15, Tier.HIGH: 20, Tier.CRITICAL: 25}
DEFAULT_MIN_QA_DAYS = {Tier.LOW: 5, Tier.MEDIUM: 7, Tier.HIGH: 10, Tier.CRITICAL: 10}

# Stages in which the RFP is out with the bidders and the procedure is still open.
ISSUED_STAGES = (Stage.RFP_ISSUED, Stage.EVALUATION, Stage.SHORTLIST)

TIMELINE_CHANGE_MARK = "Timeline changed after issue: "
LABELS = {field: label for field, label, _ in TIMELINE_FIELDS}


def day(value: date | str | None) -> str:
    """A date as the timeline shows it; text (a deadline with its time and zone, from changes_between) as it is."""
    if isinstance(value, str):
        return value
    return date_format(value, "j M Y") if value else "not set"


def _days_for(setting: str, defaults: dict, tier: str) -> int:
    configured = getattr(settings, setting, None) or {}
    return int(configured.get(str(tier), defaults[tier]))


@dataclass(frozen=True)
class Minimum:
    """The least number of days one window must last, and the tier that asks for it."""

    what: str  # "response period" or "Q&A window"
    field: str  # the date that closes the window
    days: int
    tier: str

    @property
    def tier_label(self) -> str:
        return Tier(self.tier).label.lower()


def bidder_tiers(procedure) -> list[str]:
    """The tiers that count: each invited (not declined) bidder's vendor's current tier, untiered as critical;
    critical alone when there is no bidder yet."""
    from awards.models import Bid

    tiers = [tier or Tier.CRITICAL for tier in Bid.objects.filter(procedure=procedure)
             .exclude(status=Bid.Status.DECLINED).values_list("vendor__tier", flat=True)]
    return tiers or [Tier.CRITICAL]


def minimum_windows(procedure, tiers: list[str] | None = None) -> tuple[Minimum, Minimum]:
    """(response period, Q&A window): for each, the largest minimum among the tiers that count (the stricter
    tier named on a tie)."""
    tiers = tiers if tiers is not None else bidder_tiers(procedure)
    found = []
    for what, field, setting, defaults in (
            ("response period", "proposals_due", "BATON_MIN_RESPONSE_DAYS", DEFAULT_MIN_RESPONSE_DAYS),
            ("Q&A window", "question_deadline", "BATON_MIN_QA_DAYS", DEFAULT_MIN_QA_DAYS)):
        days, tier = max((_days_for(setting, defaults, Tier(t)), TIER_ORDER[Tier(t)], t) for t in tiers)[0::2]
        found.append(Minimum(what=what, field=field, days=days, tier=tier))
    return found[0], found[1]


def window_shortfalls(procedure, *, start: date, fields: tuple[str, ...] = ("proposals_due", "question_deadline"),
                      tiers: list[str] | None = None) -> dict[str, str]:
    """{field: sentence} for each window (closing at one of `fields`) that is shorter, counted from `start`,
    than the minimum of the tiers that count. A window whose closing date is not set is not judged here."""
    problems = {}
    for minimum in minimum_windows(procedure, tiers):
        closes = getattr(procedure, minimum.field)
        if minimum.field not in fields or closes is None:
            continue
        days = (closes - start).days
        if days < minimum.days:
            problems[minimum.field] = (
                f"The {minimum.what} runs {days} day{'s' if days != 1 else ''} (from {day(start)} to "
                f"{day(closes)}); with a {minimum.tier_label}-tier bidder it must be at least {minimum.days} days, "
                f"unless a waiver for a short response period is recorded for this procedure.")
    return problems


@dataclass(frozen=True)
class TimelineChange:
    """One change of the timeline after issue, as the page's note shows it."""

    at: datetime
    by: object
    reason: str
    changes: tuple[tuple[str, date | str | None, date | str | None], ...]  # (label, before, after)

    def lines(self) -> list[str]:
        return [f"{label}: {day(before)} → {day(after)}" for label, before, after in self.changes]


def changes_between(before, after) -> tuple[tuple[str, date | str | None, date | str | None], ...]:
    """The timeline dates that differ between two versions of a procedure (rows or history rows). Once either
    version has a deadline time or zone, proposals-due is compared (and shown) as the whole deadline, e.g.
    "28 Mar 2027, 12:00 Europe/Dublin", so a change of its time or zone alone is a change bidders are told of."""
    found = []
    for field, label, _ in TIMELINE_FIELDS:
        if field == "proposals_due" and _has_deadline_details(before, after):
            was, now = deadline_text(before), deadline_text(after)
            if was != now:
                found.append((label, was, now))
        elif getattr(before, field) != getattr(after, field):
            found.append((label, getattr(before, field), getattr(after, field)))
    return tuple(found)


def _has_deadline_details(*versions) -> bool:
    return any(getattr(v, "proposals_due_time", None) is not None or (getattr(v, "time_zone", "") or "")
               for v in versions)


def timeline_changes_after_issue(procedure) -> list[TimelineChange]:
    """Every change of the timeline made after the RFP was issued, oldest first (one query)."""
    rows = list(procedure.history.select_related("history_user").order_by("history_date", "history_id"))
    found = []
    for previous, row in zip(rows, rows[1:], strict=False):
        reason = row.history_change_reason or ""
        if reason.startswith(TIMELINE_CHANGE_MARK):
            found.append(TimelineChange(at=row.history_date, by=row.history_user,
                                        reason=reason[len(TIMELINE_CHANGE_MARK):],
                                        changes=changes_between(previous, row)))
    return found


def last_timeline_change_at(procedure) -> datetime | None:
    """When the timeline last changed after issue (None if it never did)."""
    row = (procedure.history.filter(history_change_reason__startswith=TIMELINE_CHANGE_MARK)
           .order_by("-history_date", "-history_id").values_list("history_date", flat=True).first())
    return row


def procedure_zone_name(procedure) -> str:
    """The IANA name of the zone the procedure's deadline is read in: its own, else settings.TIME_ZONE (also when
    the stored name is not a zone this machine knows)."""
    name = (getattr(procedure, "time_zone", "") or "").strip()
    if name and _known_zone(name):
        return name
    return settings.TIME_ZONE


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def proposals_deadline(procedure) -> datetime | None:
    """The moment proposals-due ends, in the procedure's zone (procedure.time_zone, blank: settings.TIME_ZONE).

    With a time (`proposals_due_time`), the deadline is that wall-clock time on the due date: a proposal received
    at 11:59:59 is on time for a 12:00 deadline, one at 12:00:00 is late. Without a time, it is the first instant
    of the day after `proposals_due` (so a proposal received at 23:59:59 on the due day is on time). A wall-clock
    time that a daylight-saving change skips (01:30 on a spring-forward night) is read with the offset in force
    before the change, as zoneinfo does. None when no due date is set. The one definition of the deadline: the
    portal, the sealed-bid services, the opening and their pages all ask here."""
    if procedure.proposals_due is None:
        return None
    zone = ZoneInfo(procedure_zone_name(procedure))
    due_time = getattr(procedure, "proposals_due_time", None)
    if due_time is None:
        return datetime.combine(procedure.proposals_due + timedelta(days=1), time.min, tzinfo=zone)
    return datetime.combine(procedure.proposals_due, due_time.replace(tzinfo=None), tzinfo=zone)


def deadline_text(procedure) -> str:
    """The deadline as bidders and staff read it, e.g. "12 Jan 2027, 12:00 Europe/Dublin" or, without a time,
    "the end of 12 Jan 2027 (Europe/Dublin)"; "no deadline set" without a due date. Plain text, for e-mails,
    notices and refusals (pages use the `deadline` template tag, which adds the viewer's own time)."""
    deadline = proposals_deadline(procedure)
    if deadline is None:
        return "no deadline set"
    zone = procedure_zone_name(procedure)
    if getattr(procedure, "proposals_due_time", None) is None:
        return f"the end of {date_format(procedure.proposals_due, 'j M Y')} ({zone})"
    return f"{date_format(deadline.date(), 'j M Y')}, {deadline:%H:%M} {zone}"


def proposals_closed(procedure, at: datetime | None = None) -> bool:
    """Has proposals-due passed at `at` (default now)? False when no due date is set."""
    deadline = proposals_deadline(procedure)
    return deadline is not None and (at or timezone.now()) >= deadline
