"""Changing the awards app's policy tables (issue 21): the committees and the approval matrix.

Each table is changed as a whole by one service, and only by a policy administrator
(procurement.policy_tables.require_policy_change). The service validates every row first and raises one
ValidationError holding every problem ({"rows": {index: {field: message}}, "__all__": [...]}); nothing is saved
then. Otherwise it saves the rows that changed inside `policy_change(...)`, each save with its actor and reason, and
the table's new version is recorded with that reason. What is in flight keeps the version it started with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from awards.approval_policy import TIERS
from awards.models import ApprovalRule, Committee, RouteStep
from procurement import policy_tables
from procurement.audit.history import attribute

ISO_CURRENCIES = frozenset(list_currencies())


@dataclass
class CommitteeRow:
    key: str
    name: str
    quorum: int
    members: list = field(default_factory=list)  # users
    description: str = ""
    committee: Committee | None = None  # None: a new committee
    delete: bool = False


@dataclass
class RuleRow:
    name: str
    position: int
    min_value: Decimal
    max_value: Decimal | None
    tiers: list
    committees: list  # Committee objects (or keys)
    currency: str = ""
    active: bool = True
    rule: ApprovalRule | None = None  # None: a new rule
    delete: bool = False


class PolicyErrors:
    """Problems collected while validating a whole table: by row index and field, and for the table."""

    def __init__(self):
        self.rows: dict[int, dict[str, str]] = {}
        self.table: list[str] = []

    def add(self, index: int | None, field_name: str, message: str) -> None:
        if index is None:
            self.table.append(message)
        else:
            self.rows.setdefault(index, {}).setdefault(field_name, message)

    def raise_if_any(self) -> None:
        if self.rows or self.table:
            error = ValidationError(self.table or "Correct the rows marked below; nothing was saved.")
            error.rows, error.table = self.rows, list(self.table)
            raise error


def row_errors(exc: ValidationError) -> tuple[dict[int, dict[str, str]], list[str]]:
    """What a page shows for a refused change: the errors by row and field, and the table's own sentences."""
    rows = getattr(exc, "rows", {})
    table = getattr(exc, "table", None)
    if table is None:
        table = exc.messages
    return rows, list(table)


def _save(obj, *, actor, reason: str) -> None:
    attribute(obj, actor=actor, reason=reason[:100])
    obj.full_clean()
    obj.save()


# --- committees ------------------------------------------------------------------------------------------


@transaction.atomic
def committees_replace(*, actor, rows: list[CommitteeRow], reason: str) -> object:
    """The committees become `rows`: new ones added, changed ones saved (name, description, quorum, members),
    those marked `delete` removed. Refused, with every problem: a key that is not a slug or used twice, a quorum
    above the number of members, a deactivated member, removing a committee an approval rule still names (retire
    the rule first) or one that has routed memos. Returns the new PolicyVersion."""
    policy_tables.require_policy_change(actor)
    errors = PolicyErrors()
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        row.key = (row.key or "").strip()
        row.name = (row.name or "").strip()
        if row.delete:
            if row.committee is None:
                continue
            rules = sorted(row.committee.rules.values_list("name", flat=True))
            if rules:
                errors.add(index, "delete", f"The approval rule(s) {', '.join(rules)} still route to this committee: "
                                            "retire or change those rules first.")
            elif RouteStep.objects.filter(committee=row.committee).exists():
                errors.add(index, "delete", "Memos were routed to this committee, so it stays in the record; remove "
                                            "its members or rename it instead.")
            continue
        if row.committee is not None and row.key != row.committee.key:
            errors.add(index, "key", "The key of an existing committee cannot change: earlier versions of the "
                                     "policy name it. Rename the committee instead.")
        elif not row.key or slugify(row.key) != row.key:
            errors.add(index, "key", "Use lower-case letters, digits and hyphens (e.g. risk-committee).")
        elif row.key in seen:
            errors.add(index, "key", "Another committee already has this key.")
        seen.setdefault(row.key, index)
        if not row.name:
            errors.add(index, "name", "Give the committee a name.")
        members = list(row.members or [])
        inactive = [u.username for u in members if not u.is_active]
        if inactive:
            errors.add(index, "members", f"Deactivated users cannot sit on a committee: {', '.join(inactive)}.")
        if not isinstance(row.quorum, int) or row.quorum < 1:
            errors.add(index, "quorum", "The quorum is at least 1.")
        elif row.quorum > len(members):
            errors.add(index, "quorum", f"The quorum ({row.quorum}) cannot exceed the number of members "
                                        f"({len(members)}).")
    errors.raise_if_any()
    with policy_tables.policy_change(table="committees", actor=actor, reason=reason):
        for row in rows:
            if row.delete:
                if row.committee is not None:
                    attribute(row.committee, actor=actor, reason=f"Removed: {reason}"[:100])
                    row.committee.delete()
                continue
            committee = row.committee or Committee()
            before = (committee.key, committee.name, committee.description, committee.quorum)
            committee.key, committee.name, committee.quorum = row.key, row.name, row.quorum
            committee.description = row.description or ""
            wanted = {u.pk for u in row.members}
            had = set(committee.members.values_list("pk", flat=True)) if committee.pk else set()
            if committee.pk is None or before != (committee.key, committee.name, committee.description,
                                                  committee.quorum) or wanted != had:
                _save(committee, actor=actor, reason=reason)
            if wanted != had:
                attribute(committee, actor=actor, reason=reason[:100])
                committee.members.set(row.members)
    return policy_tables.current("committees")


# --- the approval matrix -----------------------------------------------------------------------------------


def _overlaps(a: RuleRow, b: RuleRow) -> bool:
    a_max = a.max_value if a.max_value is not None else Decimal("Infinity")
    b_max = b.max_value if b.max_value is not None else Decimal("Infinity")
    return a.min_value < b_max and b.min_value < a_max


@transaction.atomic
def approval_matrix_replace(*, actor, rows: list[RuleRow], reason: str) -> object:
    """The approval matrix becomes `rows` (in `position` order): new rules added, changed ones saved, those marked
    `delete` removed (a rule that routed memos cannot be removed: untick "active" to retire it). Refused, with
    every problem: no name, no tier, no committee, an unknown committee, a currency that is not an ISO 4217 code,
    an upper limit not above the lower one, two active bands of the same currency overlapping for a tier. Returns
    the new PolicyVersion."""
    from procurement.money import base_currency

    policy_tables.require_policy_change(actor)
    errors = PolicyErrors()
    known = {c.key: c for c in Committee.objects.all()}
    base = base_currency()
    kept: list[tuple[int, RuleRow]] = []
    for index, row in enumerate(rows):
        if row.delete:
            if row.rule is not None and row.rule.routes.exists():
                errors.add(index, "delete", "Memos were routed by this rule, so it stays in the record: untick "
                                            "“active” to retire it.")
            continue
        row.name = (row.name or "").strip()
        row.currency = (row.currency or "").strip().upper()
        if not row.name:
            errors.add(index, "name", "Give the rule a name.")
        if row.currency and row.currency not in ISO_CURRENCIES:
            errors.add(index, "currency", f"“{row.currency}” is not an ISO 4217 currency code (e.g. EUR, USD).")
        if row.min_value is None or row.min_value < 0:
            errors.add(index, "min_value", "The lower limit is zero or more.")
        elif row.max_value is not None and row.max_value <= row.min_value:
            errors.add(index, "max_value", "The upper limit must be above the lower limit.")
        tiers = list(dict.fromkeys(row.tiers or ()))
        if not tiers or set(tiers) - set(TIERS):
            errors.add(index, "tiers", "Choose one or more tiers.")
        row.tiers = [t for t in TIERS if t in tiers]
        committees = []
        for c in row.committees or ():
            key = c if isinstance(c, str) else c.key
            if key not in known:
                errors.add(index, "committees", f"There is no committee “{key}”.")
            else:
                committees.append(known[key])
        if not committees:
            errors.add(index, "committees", "Choose at least one committee.")
        row.committees = committees
        kept.append((index, row))
    for i, (index_a, a) in enumerate(kept):
        if not a.active or a.min_value is None or index_a in errors.rows:
            continue
        for index_b, b in kept[:i]:
            if not b.active or b.min_value is None or index_b in errors.rows:
                continue
            shared = set(a.tiers) & set(b.tiers)
            if (a.currency or base) == (b.currency or base) and shared and _overlaps(a, b):
                errors.add(index_a, "min_value", f"This band overlaps the band of “{b.name}” for the "
                                                 f"{', '.join(t for t in TIERS if t in shared)} tier(s) in "
                                                 f"{a.currency or base}.")
    errors.raise_if_any()
    with policy_tables.policy_change(table="approval_matrix", actor=actor, reason=reason):
        for row in rows:
            if row.delete:
                if row.rule is not None:
                    attribute(row.rule, actor=actor, reason=f"Removed: {reason}"[:100])
                    row.rule.delete()
                continue
            rule = row.rule or ApprovalRule()
            fields = ("name", "position", "currency", "min_value", "max_value", "tiers", "active")
            before = tuple(getattr(rule, f) for f in fields)
            rule.name, rule.position, rule.currency = row.name, row.position, row.currency
            rule.min_value, rule.max_value = row.min_value, row.max_value
            rule.tiers, rule.active = row.tiers, row.active
            wanted = [c.pk for c in row.committees]
            had = sorted(rule.committees.values_list("pk", flat=True)) if rule.pk else []
            if rule.pk is None or before != tuple(getattr(rule, f) for f in fields):
                _save(rule, actor=actor, reason=reason)
            if sorted(wanted) != had:
                attribute(rule, actor=actor, reason=reason[:100])
                rule.committees.set(row.committees)
    return policy_tables.current("approval_matrix")
