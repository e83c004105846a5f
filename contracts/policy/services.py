"""Changing the contracts app's policy tables (issue 21): only a policy administrator, always with a reason, each
change a new policy version (procurement.policy_tables).

Every service validates the whole table first and raises one ValidationError naming every problem (keys
"row-<n>-<field>" for a row's field, "reason" for the reason, None-less keys for the whole table) before anything
is written; a refusal leaves the table and its versions as they were.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from contracts.models import PlaybookClause
from contracts.models.performance import Direction, Frequency
from contracts.models.reviews import ReviewTeam
from contracts.policy.tables import CHECKIN_TEMPLATES, KPI_TEMPLATES, PLAYBOOK, REMINDER_LEAD_TIMES
from procurement import policy_tables
from procurement.services import model_save

TIERS = ("critical", "high", "medium", "low")
PLAYBOOK_TEXT = ("title", "purpose", "target", "fallback", "walk_away")
MAX_LEAD_DAYS = 365


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the policy changes: the reason is kept with the new version."})
    if len(reason) > 300:
        raise ValidationError({"reason": "Keep the reason under 300 characters."})
    return reason


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _add(errors: dict, index: int, field: str, message: str) -> None:
    errors.setdefault(f"row-{index}-{field}", []).append(message)


# --- the clause playbook (kept in rows) ---------------------------------------------------------------------


@transaction.atomic
def clause_playbook_update(*, actor, rows: list[dict], reason: str) -> object:
    """Write the whole playbook: `rows` are the clauses in page order, each {"id": pk or None, "key", "title",
    "purpose", "required_tiers", "target", "fallback", "walk_away", "order", "active"}. An existing clause keeps
    its key (contracts and KPI templates name it); a clause is retired with active false, never deleted. Returns
    the new PolicyVersion."""
    policy_tables.require_policy_change(actor)
    errors: dict = {}
    try:
        reason = _reason(reason)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    existing = {c.pk: c for c in PlaybookClause.objects.select_for_update().order_by("pk")}
    keys_in_use = {c.key: c.pk for c in existing.values()}
    seen: dict[str, int] = {}
    changed: list[PlaybookClause] = []
    for index, row in enumerate(rows):
        pk = row.get("id")
        clause = existing.get(pk) if pk else None
        if pk and clause is None:
            _add(errors, index, "key", "This clause is no longer in the playbook; reload the page.")
            continue
        key = clause.key if clause is not None else slugify(row.get("key") or row.get("title") or "")[:60]
        if not key:
            _add(errors, index, "key", "Give the clause a short key (letters, digits and hyphens).")
        elif key in seen:
            _add(errors, index, "key", f"Row {seen[key] + 1} already uses the key “{key}”.")
        elif clause is None and key in keys_in_use:
            _add(errors, index, "key", f"The key “{key}” belongs to another clause of the playbook.")
        seen.setdefault(key, index)
        tiers = list(row.get("required_tiers") or [])
        unknown = [t for t in tiers if t not in TIERS]
        if unknown:
            _add(errors, index, "required_tiers", "Choose tiers from critical, high, medium and low.")
        values = {name: (row.get(name) or "").strip() for name in PLAYBOOK_TEXT}
        for name, value in values.items():
            if not value:
                _add(errors, index, name, "This is needed for every clause.")
        try:
            order = int(row.get("order") if row.get("order") not in (None, "") else index + 1)
            if order < 0:
                raise ValueError
        except (TypeError, ValueError):
            _add(errors, index, "order", "Give a whole number, 0 or more.")
            order = 0
        target = clause if clause is not None else PlaybookClause(key=key)
        new = {**values, "required_tiers": [t for t in TIERS if t in tiers], "order": order,
               "active": bool(row.get("active", True))}
        if clause is not None and all(getattr(clause, name) == value for name, value in new.items()):
            continue
        for name, value in new.items():
            setattr(target, name, value)
        if not any(k.startswith(f"row-{index}-") for k in errors):
            try:
                target.full_clean()
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        _add(errors, index, field if field != "__all__" else "key", message)
        changed.append(target)
    if not any(row.get("active", True) for row in rows) and rows:
        errors.setdefault(None, []).append("Keep at least one active clause in the playbook.")
    if errors:
        raise ValidationError({k if k is not None else "__all__": v for k, v in errors.items()})
    if not changed:
        raise ValidationError("Nothing changed: the playbook is the same as its current version.")
    with policy_tables.policy_change(table=PLAYBOOK, actor=actor, reason=reason):
        for clause in changed:
            model_save(clause, actor=actor, reason=reason)
    return policy_tables.current(PLAYBOOK)


# --- KPI templates (kept only in versions) ------------------------------------------------------------------


@transaction.atomic
def kpi_templates_update(*, actor, rows: list[dict], reason: str) -> object:
    """Write the whole KPI template table: `rows` each {"clause": playbook clause key, "name", "unit",
    "direction", "threshold", "frequency"}; stored as {clause key: [KPI defaults]}. Returns the new version."""
    policy_tables.require_policy_change(actor)
    errors: dict = {}
    try:
        reason = _reason(reason)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    clause_keys = set(PlaybookClause.objects.values_list("key", flat=True))
    table: dict[str, list[dict]] = {}
    names: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        clause = (row.get("clause") or "").strip()
        name = (row.get("name") or "").strip()
        if clause not in clause_keys:
            _add(errors, index, "clause", "Choose a clause of the playbook.")
        if not name:
            _add(errors, index, "name", "Name the KPI.")
        elif (clause, name.lower()) in names:
            _add(errors, index, "name", f"Row {names[(clause, name.lower())] + 1} already has a KPI of this name "
                                        "for this clause.")
        names.setdefault((clause, name.lower()), index)
        if row.get("direction") not in Direction.values:
            _add(errors, index, "direction", "Choose at least or at most.")
        if row.get("frequency") not in Frequency.values:
            _add(errors, index, "frequency", "Choose how often it is measured.")
        try:
            threshold = Decimal(str(row.get("threshold")))
            if not threshold.is_finite():
                raise InvalidOperation
        except (InvalidOperation, TypeError, ValueError):
            _add(errors, index, "threshold", "Give the threshold as a number.")
            threshold = Decimal(0)
        table.setdefault(clause, []).append({
            "name": name, "unit": (row.get("unit") or "").strip()[:20], "direction": row.get("direction"),
            "threshold": f"{threshold.normalize():f}", "frequency": row.get("frequency")})
    _raise(errors)
    return policy_tables.policy_version_record(table=KPI_TEMPLATES, actor=actor, reason=reason, snapshot=table)


# --- check-in templates (kept only in versions) -------------------------------------------------------------


@transaction.atomic
def checkin_templates_update(*, actor, rows: list[dict], reason: str) -> object:
    """Write the whole check-in template table: `rows` each {"team", "key", "topic", "text"}; stored per team as
    {"topics": {topic key: label}, "questions": [{"key", "topic", "text"}]}. A question's key is what its answers
    are stored against: keep it when rewording a question. Every team keeps at least one question."""
    from contracts.checkins import TOPICS

    policy_tables.require_policy_change(actor)
    errors: dict = {}
    try:
        reason = _reason(reason)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    table = {team: {"topics": {}, "questions": []} for team in ReviewTeam.values}
    keys: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        team, topic = row.get("team"), row.get("topic")
        key = slugify(row.get("key") or "").replace("-", "_")[:40]
        text = (row.get("text") or "").strip()
        if team not in table:
            _add(errors, index, "team", "Choose a team.")
            continue
        if not key:
            _add(errors, index, "key", "Give the question a short key (letters, digits and underscores).")
        elif (team, key) in keys:
            _add(errors, index, "key", f"Row {keys[(team, key)] + 1} already uses this key for this team.")
        keys.setdefault((team, key), index)
        if topic not in TOPICS:
            _add(errors, index, "topic", "Choose a topic.")
        if not text:
            _add(errors, index, "text", "Write the question.")
        table[team]["topics"].setdefault(topic, TOPICS.get(topic, ""))
        table[team]["questions"].append({"key": key, "topic": topic, "text": text})
    empty = [label for value, label in ReviewTeam.choices if not table[value]["questions"]]
    if empty:
        errors.setdefault("__all__", []).append(
            "Every team needs at least one question; none is left for: " + ", ".join(empty) + ".")
    _raise(errors)
    return policy_tables.policy_version_record(table=CHECKIN_TEMPLATES, actor=actor, reason=reason, snapshot=table)


# --- reminder lead times (kept only in versions) ------------------------------------------------------------


@transaction.atomic
def reminder_lead_times_update(*, actor, notice: int, renewal: int, reason: str) -> object:
    """How many days before a contract's notice deadline and its end date the reminders start."""
    policy_tables.require_policy_change(actor)
    errors: dict = {}
    try:
        reason = _reason(reason)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for name, value in (("notice", notice), ("renewal", renewal)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LEAD_DAYS:
            errors[name] = [f"Give a number of days from 1 to {MAX_LEAD_DAYS}."]
    _raise(errors)
    return policy_tables.policy_version_record(table=REMINDER_LEAD_TIMES, actor=actor, reason=reason,
                                               snapshot={"notice": notice, "renewal": renewal})
