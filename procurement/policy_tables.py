"""Policy tables and their versions (issue 21): the one home of "which version of a policy applies".

An app declares each table it keeps (`Contributions.policy_tables`, procurement.contributions.PolicyTable). A table
is changed only by a policy administrator, through the app's service for it, and every change adds a
procurement.PolicyVersion: the whole table after the change, who, when and why. Nothing is edited in the admin
(it shows the tables read-only) or by a migration.

A change applies to what starts after it. What is in flight keeps the version it started with: an award procedure
or a contract records, when it starts, the number of the current version of each table it depends on (its *pins*,
a JSON object {table key: version number}); every rule that reads a table for it asks `applicable(pins, key)` and
its page says which version applies (`version_notes`).

Two kinds of table:
- kept in the app's rows (committees, the approval matrix, due-diligence plans, the clause playbook): the service
  changes the rows inside `with policy_change(table=..., actor=..., reason=...)`, which records the version
  before the change as the baseline (the first time) and the version after it. A rule for a pinned object reads
  the live rows when its pin is the current version and the pinned snapshot when it is not;
- kept only in its versions (the tiering rule table, the risk acceptance matrix, KPI and check-in templates,
  reminder lead times): the service validates the new table and calls `policy_version_record(snapshot=...)`;
  rules read `applicable(pins, key).snapshot` (or `current(key).snapshot` for what starts now).

An object with no pin for a table (it started before versioning began) is under version 1, the baseline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from procurement.accounts.roles import Role, has_role
from procurement.contributions import PolicyTable, collect, resolve

BASELINE_REASON = "The table as it stood when versioning began (shipped defaults or earlier set-up)."


# --- who ---------------------------------------------------------------------------------------------------


def may_change_policy(user) -> bool:
    """Only an active staff user holding the policy administrator role changes policy tables."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and not getattr(user, "is_bidder", False) and has_role(user, Role.POLICY_ADMINISTRATOR))


def may_read_policy(user) -> bool:
    """Policy administrators, procurement leads and auditors read every table and its versions."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and not getattr(user, "is_bidder", False)
                and has_role(user, Role.POLICY_ADMINISTRATOR, Role.PROCUREMENT_LEAD, Role.AUDITOR))


def policy_refusal(user) -> str:
    if may_change_policy(user):
        return ""
    return "Only a policy administrator changes the policy tables; ask one to make the change, with its reason."


def require_policy_change(user) -> None:
    """Services call this first: PermissionDenied with a sentence a person understands."""
    if not may_change_policy(user):
        raise PermissionDenied(policy_refusal(user))


# --- the tables ---------------------------------------------------------------------------------------------


def tables() -> dict[str, PolicyTable]:
    return collect().policy_tables


def table(key: str) -> PolicyTable:
    try:
        return tables()[key]
    except KeyError:
        raise LookupError(f"No app declares the policy table {key!r}.") from None


def _canonical(snapshot) -> str:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), default=str)


def _sha256(snapshot) -> str:
    return hashlib.sha256(_canonical(snapshot).encode()).hexdigest()


def live_snapshot(key: str):
    """The table as it stands now, from the app's rows (or its shipped default), made plain JSON."""
    return json.loads(_canonical(resolve(table(key).snapshot)()))


# --- versions -----------------------------------------------------------------------------------------------


def _model():
    from procurement.models import PolicyVersion

    return PolicyVersion


def _baseline(key: str):
    """Version 1 of a table nobody has changed yet: the table as it stands, not stored (a read never writes)."""
    table(key)  # an unknown key fails loudly
    snapshot = live_snapshot(key)
    return _model()(table=key, number=1, snapshot=snapshot, sha256=_sha256(snapshot), reason=BASELINE_REASON)


def current(key: str):
    """The current version of a table. Until the first change it is the baseline, version 1, read from the table
    as it stands and not stored: reading a table never writes (the first change stores the baseline)."""
    latest = _model().objects.filter(table=key).order_by("-number").first()
    return latest if latest is not None else _baseline(key)


def current_number(key: str) -> int:
    """The current version's number, without reading the table (one small query)."""
    table(key)
    latest = _model().objects.filter(table=key).order_by("-number").values_list("number", flat=True).first()
    return latest or 1


def current_numbers(keys: Iterable[str]) -> dict[str, int]:
    """The current version's number of each table, in one query."""
    from django.db.models import Max

    keys = list(keys)
    for key in keys:
        table(key)
    found = dict(_model().objects.filter(table__in=keys).values_list("table").annotate(Max("number")))
    return {key: found.get(key) or 1 for key in keys}


def _store_baseline(key: str):
    """Before the first change: store version 1 as the table stands (inside the change's transaction)."""
    PolicyVersion = _model()
    if PolicyVersion.objects.filter(table=key).exists():
        return
    baseline = _baseline(key)
    try:
        with transaction.atomic():
            baseline.save()
    except IntegrityError:  # another change stored it first
        pass


def version(key: str, number: int):
    found = _model().objects.filter(table=key, number=number).first()
    if found is None and number == 1:
        return _baseline(key)  # nothing changed yet: version 1 is the table as it stands
    if found is None:
        raise _model().DoesNotExist(f"{key} has no version {number}.")
    return found


def versions(key: str) -> list:
    """Every version of a table, newest first (the table's history page); the unstored baseline until a change."""
    stored = list(_model().objects.filter(table=key).select_related("changed_by").order_by("-number"))
    return stored or [_baseline(key)]


@transaction.atomic
def policy_version_record(*, table: str, actor, reason: str, snapshot=None):
    """Add the next version of `table`: `snapshot` for a table kept only in its versions, else the app's rows as
    they now stand. Refuses a change without a reason, and a "change" that leaves the table as it was."""
    PolicyVersion = _model()
    require_policy_change(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the policy changes: the reason is kept with the new version."})
    if len(reason) > 300:
        raise ValidationError({"reason": "Keep the reason under 300 characters."})
    _store_baseline(table)
    latest = PolicyVersion.objects.select_for_update().filter(table=table).order_by("-number").first()
    snapshot = live_snapshot(table) if snapshot is None else json.loads(_canonical(snapshot))
    digest = _sha256(snapshot)
    if digest == latest.sha256:
        raise ValidationError("Nothing changed: the table is the same as its current version.")
    row = PolicyVersion(table=table, number=latest.number + 1, snapshot=snapshot, sha256=digest, reason=reason,
                        changed_by=actor)
    row._history_user, row._change_reason = actor, reason[:100]
    row.save()
    return row


@contextmanager
def policy_change(*, table: str, actor, reason: str) -> Iterator[None]:
    """Around a service's change to a table kept in rows: checks the actor and the reason, records the baseline
    before the first change, and the new version after the block (all in the caller's transaction)."""
    require_policy_change(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the policy changes: the reason is kept with the new version."})
    with transaction.atomic():
        _store_baseline(table)
        yield
        policy_version_record(table=table, actor=actor, reason=reason)


# --- pins: what applies to what is in flight ----------------------------------------------------------------


def pin(keys: Iterable[str]) -> dict[str, int]:
    """The pins of something that starts now: {table key: current version number}."""
    return current_numbers(keys)


def pinned_number(pins: Mapping | None, key: str) -> int:
    return int((pins or {}).get(key) or 1)


def applicable(pins: Mapping | None, key: str):
    """The version that applies to an object with these pins (version 1 when it has none for the table)."""
    return version(key, pinned_number(pins, key))


def is_current(pins: Mapping | None, key: str) -> bool:
    """Does the object's pinned version equal the current one (then a rule may read the app's live rows)?"""
    return pinned_number(pins, key) == current_number(key)


@dataclass(frozen=True)
class VersionNote:
    key: str
    label: str
    applies: int
    current: int
    url_name: str

    @property
    def is_current(self) -> bool:
        return self.applies == self.current

    @property
    def sentence(self) -> str:
        if self.is_current:
            return f"{self.label}: version {self.applies} (the current one) applies."
        return (f"{self.label}: version {self.applies} applies, the version in force when this started; "
                f"version {self.current} is current and applies to what starts from now.")


def version_notes(pins: Mapping | None, keys: Iterable[str]) -> list[VersionNote]:
    """What a page says about the policy versions that apply to an object (one query)."""
    keys = list(keys)
    numbers = current_numbers(keys)
    return [VersionNote(key=key, label=table(key).label, applies=pinned_number(pins, key), current=numbers[key],
                        url_name=table(key).url_name) for key in keys]
