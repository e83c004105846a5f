"""The scorecard builder's one write (issue 21): requirements, scale, groups, criteria and knockouts saved together,
all or nothing.

    scorecard_build(*, actor, procedure, requirements, scale, groups, criteria, knockouts, reason="") -> Scorecard

Every argument but `actor`, `procedure`, `scale` and `reason` is a list of plain dict rows, in page order:

    requirements  {"id"?, "ref"?, "title", "priority", "description"}
    groups        {"id"?, "ref"?, "name", "weight"}
    criteria      {"id"?, "group", "name", "description", "guidance", "share", "requirements": [ref, ...]}
    knockouts     {"id"?, "name", "description", "kind", "standards": [...], "horizon_months"}

- A row with an `id` is an existing row of this procedure (updated only when a value differs, so an unchanged row
  writes no history). An existing row whose id is missing from its list is removed (criteria, knockouts and groups;
  requirements are never removed here). A row without `id` is added.
- Criteria name their group, and the requirements they assess, by reference: a row's `ref` (any value; compared as
  text), which defaults to the row's position in its list. So a new criterion can sit in a new group and cover a
  new requirement of the same call. Values may be text as posted (weights and shares are parsed by the services).
- The scorecard is created (empty, on `scale`) when the procedure has none.
- Every change goes through the existing services (awards.services.scorecard: group_add/update/remove,
  criterion_add/update/remove, knockout_add/update/remove, scorecard_set_scale; awards.services.procedure:
  requirement_add/update), so their rules apply unchanged: after the lock every change needs `reason` and resets
  the scores it affects; removing a criterion or a knockout needs `reason` before the lock too.
- The group weights must add up to exactly 100 with every weighted group holding criteria (the totals of
  `builder_totals`, computed by awards.scoring.split_group_weights) unless the scorecard has no groups and no
  criteria at all.
- Errors come back together in ScorecardBuildInvalid.errors, by list and row position and field:
  {"criteria": {2: {"name": [...]}}, "reason": [...], "scale": [...], "totals": [...], "__all__": [...]}; nothing
  is saved. A refusal of the whole build (stage, permission) raises DomainError / PermissionDenied as usual.

`scorecard_build_check(...)` (same arguments) runs the build and rolls it back: the errors, or {} when it would
save. The builder page's live preview uses it, so the preview and the save share one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction

from awards.models import AwardProcedure, Requirement
from awards.models.scorecard import Knockout, Scorecard
from awards.policies import procedure_policy
from awards.services import procedure as procedure_services
from awards.services import scorecard as sc
from awards.services._common import lock_procedure
from procurement.authz import require
from procurement.exceptions import DomainError

ROW_FIELDS = {
    "requirements": ("title", "priority", "description"),
    "groups": ("name", "weight"),
    "criteria": ("group", "name", "description", "guidance", "share", "requirements"),
    "knockouts": ("name", "description", "kind", "standards", "horizon_months"),
}
TOP = "__all__"


class ScorecardBuildInvalid(ValidationError):
    """The build was refused row by row; `errors` says where (see the module docstring). Nothing was saved."""

    def __init__(self, errors: dict):
        super().__init__("The scorecard was not saved: correct the rows marked below.")
        self.errors = errors


# --- the running totals (pure) --------------------------------------------------------------------------------


@dataclass
class Totals:
    group_sum: Decimal | None  # None when a weight is not a number
    weights: dict = field(default_factory=dict)  # criterion row position -> effective weight
    group_weights: dict = field(default_factory=dict)  # group row position -> weight as typed (a Decimal)
    problems: list[str] = field(default_factory=list)


def _number(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def ref_of(row: dict, position: int) -> str:
    return str(row.get("ref", position))


def builder_totals(groups: list[dict], criteria: list[dict]) -> Totals:
    """The sum of the group weights and each criterion's effective weight, from the rows as typed, by the same
    arithmetic as the results (awards.results.effective_weights, which calls scoring.split_group_weights)."""
    from awards.results import effective_weights

    if not groups and not criteria:
        return Totals(group_sum=Decimal(0))
    position_of = {ref_of(g, i): i for i, g in enumerate(groups)}
    group_rows, bad = [], []
    for i, g in enumerate(groups):
        weight = _number(g.get("weight", ""))
        if weight is None:
            bad.append(g.get("name") or f"row {i + 1}")
            continue
        group_rows.append(SimpleNamespace(pk=i, name=(g.get("name") or f"row {i + 1}").strip(), weight=weight))
    totals = Totals(group_sum=None if bad else sum((g.weight for g in group_rows), Decimal(0)),
                    group_weights={g.pk: g.weight for g in group_rows})
    if bad:
        totals.problems.append(f"Enter a number as the weight of {', '.join(bad)}.")
        return totals
    criterion_rows = []
    for i, c in enumerate(criteria):
        share = _number(c.get("share", "1") if c.get("share", "") != "" else "1")
        group = position_of.get(str(c.get("group", "")))
        if share is None or group is None or group not in totals.group_weights:
            continue  # that row's own error says why; it carries no weight meanwhile
        criterion_rows.append(SimpleNamespace(key=str(i), group_id=group, share=share))
    weights, problems = effective_weights(group_rows, criterion_rows)
    totals.weights = {int(key): weight for key, weight in weights.items()}
    totals.problems += problems
    return totals


# --- the build ------------------------------------------------------------------------------------------------


class _Errors:
    def __init__(self):
        self.top: dict[str, list[str]] = {}
        self.rows: dict[str, dict[int, dict[str, list[str]]]] = {}

    def add_top(self, key: str, messages) -> None:
        bucket = self.top.setdefault(key, [])
        for message in messages:
            if message not in bucket:
                bucket.append(message)

    def add_row(self, section: str, position: int, key: str, messages) -> None:
        bucket = self.rows.setdefault(section, {}).setdefault(position, {}).setdefault(key, [])
        bucket.extend(m for m in messages if m not in bucket)

    def add_exception(self, section: str | None, position: int | None, exc: Exception) -> None:
        if isinstance(exc, DomainError):
            found = {TOP: [str(exc)]}
        elif hasattr(exc, "error_dict"):
            found = exc.message_dict
        else:
            found = {TOP: list(exc.messages)}
        for key, messages in found.items():
            if key in ("reason", "scale"):
                self.add_top(key, messages)
            elif section is None:
                self.add_top(TOP, messages)
            else:
                self.add_row(section, position, key if key in ROW_FIELDS[section] else TOP, messages)

    def attempt(self, section: str | None, position: int | None, call):
        """Run one service call in a savepoint; its refusal becomes errors. Returns (result, succeeded)."""
        try:
            with transaction.atomic():
                return call(), True
        except (ValidationError, DomainError) as exc:
            self.add_exception(section, position, exc)
            return None, False

    def as_dict(self) -> dict:
        return {**self.top, **{section: rows for section, rows in self.rows.items() if rows}}

    def __bool__(self) -> bool:
        return bool(self.top) or any(self.rows.values())


def _text(value) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n")


def _row_id(row: dict) -> int | None:
    raw = row.get("id")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return -1  # matches no row: reported as gone


GONE = "This row is no longer on the scorecard (it was changed elsewhere): reload the page."


def _int(value, key: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({key: "Enter a whole number."}) from None


@transaction.atomic
def scorecard_build(*, actor, procedure: AwardProcedure, requirements: list[dict], scale, groups: list[dict],
                    criteria: list[dict], knockouts: list[dict], reason: str = "") -> Scorecard:
    """Save the whole scorecard set-up in one transaction (see the module docstring)."""
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    if procedure.stage not in sc.EDITABLE_STAGES:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()}; its scorecard can no longer "
                          "change.")
    reason = (reason or "").strip()
    errors = _Errors()
    totals = builder_totals(groups, criteria)
    if totals.problems:
        errors.add_top("totals", totals.problems)

    # the scorecard and its scale
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    try:
        scale = _int(scale, "scale")
    except ValidationError as exc:
        errors.add_exception(None, None, exc)
        scale = None
    if scorecard is None:
        scorecard, _ = errors.attempt(None, None, lambda: sc.scorecard_create(
            actor=actor, procedure=procedure, scale=scale if scale is not None else 5))
        if scorecard is None:
            raise ScorecardBuildInvalid(errors.as_dict())
    elif scale is not None and scale != scorecard.scale:
        errors.attempt(None, None, lambda: sc.scorecard_set_scale(actor=actor, scorecard=scorecard, scale=scale,
                                                                  reason=reason))

    requirement_by_ref = _requirements(actor, procedure, requirements, errors)
    group_by_ref, kept_groups = _groups(actor, scorecard, groups, reason, errors)
    _criteria(actor, scorecard, criteria, group_by_ref, requirement_by_ref, groups, reason, errors)
    for group in scorecard.groups.exclude(pk__in=kept_groups).order_by("pk"):
        errors.attempt(None, None, lambda g=group: sc.group_remove(actor=actor, group=g, reason=reason))
    _knockouts(actor, scorecard, knockouts, reason, errors)

    if errors:
        raise ScorecardBuildInvalid(errors.as_dict())
    scorecard.refresh_from_db()
    return scorecard


def scorecard_build_check(**arguments) -> dict:
    """The errors `scorecard_build(**arguments)` would give ({} when it would save); nothing is kept."""
    try:
        with transaction.atomic():
            scorecard_build(**arguments)
            transaction.set_rollback(True)
    except ScorecardBuildInvalid as exc:
        return exc.errors
    return {}


def _requirements(actor, procedure, rows, errors) -> dict:
    existing = {r.pk: r for r in Requirement.objects.filter(procedure=procedure)}
    by_ref = {}
    for position, row in enumerate(rows):
        title, priority = (row.get("title") or "").strip(), (row.get("priority") or "").strip()
        description = _text(row.get("description")).strip()
        pk = _row_id(row)
        if pk is None:
            found, ok = errors.attempt("requirements", position, lambda t=title, p=priority, d=description:
                                       procedure_services.requirement_add(actor=actor, procedure=procedure, title=t,
                                                                          priority=p, description=d))
        elif pk not in existing:
            errors.add_row("requirements", position, TOP, [GONE])
            continue
        else:
            found, ok = existing[pk], True
            if (title, priority, description) != (found.title, found.priority, _text(found.description).strip()):
                found, ok = errors.attempt("requirements", position, lambda r=found, t=title, p=priority,
                                           d=description: procedure_services.requirement_update(
                                               actor=actor, requirement=r, title=t, priority=p, description=d))
        if ok:
            by_ref[ref_of(row, position)] = found
    return by_ref


def _groups(actor, scorecard, rows, reason, errors) -> tuple[dict, set]:
    existing = {g.pk: g for g in scorecard.groups.all()}
    by_ref, kept = {}, set()
    for position, row in enumerate(rows):
        name, weight = (row.get("name") or "").strip(), row.get("weight", "")
        pk = _row_id(row)
        if pk is None:
            found, ok = errors.attempt("groups", position, lambda n=name, w=weight: sc.group_add(
                actor=actor, scorecard=scorecard, name=n, weight=w, reason=reason))
        elif pk not in existing:
            errors.add_row("groups", position, TOP, [GONE])
            continue
        else:
            found, ok = existing[pk], True
            if name != found.name or _number(weight) != found.weight:
                found, ok = errors.attempt("groups", position, lambda g=found, n=name, w=weight: sc.group_update(
                    actor=actor, group=g, name=n, weight=w, reason=reason))
        if pk is not None:
            kept.add(pk)  # kept even when its edit failed: the build is refused anyway
        if ok:
            by_ref[ref_of(row, position)] = found
            kept.add(found.pk)
    return by_ref, kept


def _criteria(actor, scorecard, rows, group_by_ref, requirement_by_ref, group_rows, reason, errors) -> None:
    existing = {c.pk: c for c in scorecard.criteria.prefetch_related("requirements")}
    kept = {_row_id(row) for row in rows} - {None}
    for criterion in sorted((c for pk, c in existing.items() if pk not in kept), key=lambda c: c.pk):
        errors.attempt(None, None, lambda c=criterion: sc.criterion_remove(actor=actor, criterion=c, reason=reason))
    group_refs = {ref_of(g, i) for i, g in enumerate(group_rows)}
    for position, row in enumerate(rows):
        group_ref = str(row.get("group", ""))
        group = group_by_ref.get(group_ref)
        if group is None:
            message = ("Its group has errors: correct that row first." if group_ref in group_refs else
                       "Choose the group this criterion belongs to.")
            errors.add_row("criteria", position, "group", [message])
            continue
        wanted = [str(ref) for ref in (row.get("requirements") or [])]
        missing = [ref for ref in wanted if ref not in requirement_by_ref]
        if missing:
            errors.add_row("criteria", position, "requirements",
                           ["A requirement chosen here has errors or no longer exists: correct it first."])
            continue
        covered = list({requirement_by_ref[ref].pk: requirement_by_ref[ref] for ref in wanted}.values())
        values = {"name": (row.get("name") or "").strip(), "description": _text(row.get("description")).strip(),
                  "guidance": _text(row.get("guidance")).strip(),
                  "share": row.get("share") if str(row.get("share", "")).strip() != "" else 1}
        pk = _row_id(row)
        if pk is None:
            errors.attempt("criteria", position, lambda v=values, g=group, r=covered: sc.criterion_add(
                actor=actor, group=g, requirements=r, reason=reason, **v))
        elif pk not in existing:
            errors.add_row("criteria", position, TOP, [GONE])
        else:
            criterion = existing[pk]
            before = (criterion.name, _text(criterion.description).strip(), _text(criterion.guidance).strip(),
                      criterion.share, criterion.group_id, {r.pk for r in criterion.requirements.all()})
            after = (values["name"], values["description"], values["guidance"], _number(values["share"]), group.pk,
                     {r.pk for r in covered})
            if before != after:
                errors.attempt("criteria", position, lambda c=criterion, v=values, g=group, r=covered:
                               sc.criterion_update(actor=actor, criterion=c, group=g, requirements=r, reason=reason,
                                                   **v))


def _knockouts(actor, scorecard, rows, reason, errors) -> None:
    existing = {k.pk: k for k in scorecard.knockouts.all()}
    kept = {_row_id(row) for row in rows} - {None}
    for knockout in sorted((k for pk, k in existing.items() if pk not in kept), key=lambda k: k.pk):
        errors.attempt(None, None, lambda k=knockout: sc.knockout_remove(actor=actor, knockout=k, reason=reason))
    for position, row in enumerate(rows):
        try:
            horizon = _int(row.get("horizon_months", 12) if str(row.get("horizon_months", "")).strip() else 12,
                           "horizon_months")
        except ValidationError as exc:
            errors.add_exception("knockouts", position, exc)
            continue
        values = {"name": (row.get("name") or "").strip(), "description": _text(row.get("description")).strip(),
                  "kind": (row.get("kind") or Knockout.Kind.MANUAL), "standards": [s for s in
                                                                                   row.get("standards") or [] if s],
                  "horizon_months": horizon}
        pk = _row_id(row)
        if pk is None:
            errors.attempt("knockouts", position, lambda v=values: sc.knockout_add(
                actor=actor, scorecard=scorecard, reason=reason, **v))
        elif pk not in existing:
            errors.add_row("knockouts", position, TOP, [GONE])
        else:
            knockout = existing[pk]
            before = (knockout.name, _text(knockout.description).strip(), knockout.kind,
                      sorted(knockout.standards or []) if knockout.kind == Knockout.Kind.ATTESTATION else [],
                      knockout.horizon_months)
            after = (values["name"], values["description"], values["kind"],
                     sorted(values["standards"]) if values["kind"] == Knockout.Kind.ATTESTATION else [],
                     values["horizon_months"])
            if before != after:
                errors.attempt("knockouts", position, lambda k=knockout, v=values: sc.knockout_update(
                    actor=actor, knockout=k, reason=reason, **v))
