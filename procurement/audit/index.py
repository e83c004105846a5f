"""The audit log index: one `AuditEntry` per sealed history row, so the auditor's global log reads a page from
one table with one query instead of one query per audited table merged in Python (docs/performance.md).

How it is filled
    * With every seal. `chain.seal_history_row` writes the entry right after the seal, inside the same atomic
      block, from the history row it has just read for the hash: no extra read, and a rolled-back change leaves
      neither a seal nor an entry. Seals written in bulk (`AuditSeal.objects.bulk_create`, as the benchmark's
      seed does) get theirs from the seal manager (`procurement.audit.models.SealQuerySet`), in the same
      transaction too.
    * For databases sealed before the index existed, migration audit 0002 runs `fill_missing` once, in batches.

Derived data, not evidence
    The evidence is the history rows and their seals; `audit_verify` recomputes the chain from them. An entry
    is a copy made for reading speed. `audit_verify` also checks the copy (`verify_entry`, `orphan_entries`):
    every seal has exactly one entry, each entry's keys, position and hash equal its seal's, and its date, kind
    of change, actor, reason, object, name and link equal what its history row holds. A missing, extra or
    altered entry is reported like a chain break, so a log page can never quietly show something the chain
    does not hold. Entries are never updated or deleted: the same append-only triggers as the history tables
    guard the table (procurement.audit.triggers), and no admin or service writes it.

What an entry shows
    The name of the record as it read then (the first of `log.NAME_FIELDS` the model has) and the history page
    that shows the row (the record's own, or the merged page of the procedure, memo or contract it belongs to).
    The entry records which history column each came from, so the check holds even if those rules change later.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache

from django.apps import apps as global_apps

# The seal's columns an entry copies, and the history columns every entry copies.
SEAL_KEYS = ("history_model", "history_id", "object_key", "sequence", "row_hash")
HISTORY_KEYS = ("history_id", "history_date", "history_type", "history_change_reason", "history_user_id")
# Fields of an entry compared with the seal and the history row by `verify_entry`.
COMPARED = (*SEAL_KEYS, "model_label", "object_id", "history_date", "history_type", "reason", "actor_id",
            "name", "name_field", "link_pk", "link_field")


@dataclass(frozen=True)
class Describe:
    """How one history table's rows read in the log: which column names the record, which page shows it."""

    model_label: str
    pk_attname: str
    name_field: str = ""
    link_label: str = ""
    link_field: str = ""

    def columns(self) -> tuple[str, ...]:
        extra = [c for c in (self.pk_attname, self.name_field, self.link_field) if c]
        return tuple(dict.fromkeys((*HISTORY_KEYS, *extra)))


@cache
def describe(history_label: str) -> Describe:
    """The log's reading of `history_label` from the live models (a migration's state models carry no
    registry of audited models and history pages)."""
    from procurement.audit.chain import layout
    from procurement.audit.log import _link, _name_field

    model = global_apps.get_model(history_label)
    spec = layout(model)
    tracked = getattr(model, "instance_type", None)
    if tracked is None:
        return Describe(model_label=spec.object_label, pk_attname=spec.pk_attname)
    link_label, link_field = _link(tracked)
    name_field = _name_field(tracked)
    return Describe(model_label=spec.object_label, pk_attname=spec.pk_attname,
                    name_field=name_field if name_field in spec.columns else "",
                    link_label=link_label, link_field=link_field if link_field in spec.columns else "")


def _describe_or_bare(history_label: str, pk_attname: str, object_label: str) -> Describe:
    try:
        return describe(history_label)
    except LookupError:  # a table the live code no longer has (a migration's state): keys only
        return Describe(model_label=object_label, pk_attname=pk_attname)


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def entry_values(seal: dict, row: dict, how: Describe) -> dict:
    """The field values of the entry of `seal` (its SEAL_KEYS and "id") over its history `row`."""
    name = row.get(how.name_field) if how.name_field else None
    link = row.get(how.link_field) if how.link_field else None
    return {
        "seal_id": seal["id"], **{key: seal[key] for key in SEAL_KEYS},
        "model_label": how.model_label, "object_id": str(row[how.pk_attname]),
        "history_date": row["history_date"], "history_type": row["history_type"],
        "reason": row["history_change_reason"] or "", "actor_id": row["history_user_id"],
        "name": str(name)[:80] if name is not None else "", "name_field": how.name_field,
        "link_label": how.link_label if link is not None else "", "link_pk": _as_int(link),
        "link_field": how.link_field,
    }


def entry_model(registry=global_apps):
    """The entry model of `registry`, or None when that (migration) state has no index table yet."""
    try:
        return registry.get_model("audit", "AuditEntry")
    except LookupError:
        return None


def write_entry(seal, row: dict, spec, *, using: str, model=None) -> None:
    """The entry of one seal just written, from the history row read for its hash (chain.seal_history_row)."""
    model = model or entry_model()
    how = _describe_or_bare(spec.label, spec.pk_attname, spec.object_label)
    values = entry_values({"id": seal.pk, **{key: getattr(seal, key) for key in SEAL_KEYS}}, row, how)
    model._base_manager.using(using).create(**values)


def _entries_for(seals: list[dict], *, using: str, registry=global_apps) -> Iterator:
    """Unsaved entries of `seals` (dicts of "id" and SEAL_KEYS): one read of the history rows per table."""
    from procurement.audit.chain import layouts

    specs = layouts(registry)
    model = entry_model(registry)
    by_table: dict[str, list[dict]] = {}
    for seal in seals:
        by_table.setdefault(seal["history_model"], []).append(seal)
    for label, group in by_table.items():
        spec = specs.get(label)
        if spec is None:
            continue  # a table that is gone: audit_verify reports those seals
        how = _describe_or_bare(label, spec.pk_attname, spec.object_label)
        if how.name_field not in spec.columns or how.link_field not in spec.columns:  # an older state's table
            how = replace(how, name_field=how.name_field if how.name_field in spec.columns else "",
                          link_field=how.link_field if how.link_field in spec.columns else "")
        columns = how.columns()
        rows = {row["history_id"]: row for row in spec.model._base_manager.using(using)
                .filter(history_id__in=[s["history_id"] for s in group]).values(*columns)}
        for seal in group:
            row = rows.get(seal["history_id"])
            if row is not None:  # a deleted history row: audit_verify reports it, no entry can describe it
                yield model(**entry_values(seal, row, how))


def index_seals(seals: Iterable, *, using: str = "default", batch: int = 2000) -> int:
    """Write the entries of seals created in bulk (AuditSeal instances); returns how many."""
    from procurement.audit.models import AuditEntry, AuditSeal

    seals = list(seals)
    missing = [s for s in seals if s.pk is None]
    if missing:  # a backend that does not return bulk-inserted keys: look them up
        found = {}
        for label in {s.history_model for s in missing}:
            ids = [s.history_id for s in missing if s.history_model == label]
            found.update({(label, hid): pk for hid, pk in AuditSeal.objects.using(using)
                          .filter(history_model=label, history_id__in=ids).values_list("history_id", "pk")})
        for seal in missing:
            seal.pk = found[(seal.history_model, seal.history_id)]
    written = 0
    for start in range(0, len(seals), batch):
        plain = [{"id": s.pk, **{key: getattr(s, key) for key in SEAL_KEYS}} for s in seals[start:start + batch]]
        entries = list(_entries_for(plain, using=using))
        AuditEntry.objects.using(using).bulk_create(entries, batch_size=batch)
        written += len(entries)
    return written


def fill_missing(registry=global_apps, *, using: str = "default", batch: int = 1000) -> int:
    """Write the entry of every seal that has none, `batch` seals at a time in seal order (the backfill of
    migration audit 0002 for databases sealed before the index existed); returns how many."""
    AuditSeal, AuditEntry = registry.get_model("audit", "AuditSeal"), entry_model(registry)  # noqa: N806
    indexed = AuditEntry._base_manager.using(using).values("seal_id")
    todo = (AuditSeal._base_manager.using(using).exclude(pk__in=indexed).order_by("pk")
            .values("id", *SEAL_KEYS))
    written, last = 0, 0
    while True:
        page = list(todo.filter(pk__gt=last)[:batch])
        if not page:
            return written
        last = page[-1]["id"]
        entries = list(_entries_for(page, using=using, registry=registry))
        AuditEntry._base_manager.using(using).bulk_create(entries, batch_size=batch)
        written += len(entries)


# --- verification (called by chain.verify_chains) ----------------------------------------------------------------


def entries_of(seal_ids: list[int], *, using: str) -> dict[int, dict]:
    from procurement.audit.models import AuditEntry

    return {values["seal_id"]: values for values in AuditEntry.objects.using(using).filter(seal_id__in=seal_ids)
            .values("seal_id", "link_label", *COMPARED)}


def verify_entry(seal: dict, row: dict | None, entry: dict | None, spec) -> str:
    """What is wrong with the entry of `seal` (its "id" and SEAL_KEYS) given its history `row` ("" when
    nothing). The name and link are recomputed from the columns the entry says they came from."""
    if entry is None:
        # A seal of a table that is gone (retired or dropped) has no row for the log to show: no entry needed.
        return "" if spec is None else "audit log index: this seal has no entry, so the log does not show its row"
    wrong = [key for key in SEAL_KEYS if entry[key] != seal[key]]
    if row is not None and spec is not None:
        name_field, link_field = entry["name_field"], entry["link_field"]
        how = Describe(model_label=spec.object_label, pk_attname=spec.pk_attname,
                       name_field=name_field if name_field in row else "", link_label=entry["link_label"],
                       link_field=link_field if link_field in row else "")
        expected = entry_values(seal, row, how)
        wrong += [key for key in (*COMPARED, "link_label") if key not in SEAL_KEYS and entry[key] != expected[key]]
    if not wrong:
        return ""
    return (f"audit log index: the entry differs from its seal and history row ({', '.join(wrong)}): "
            "it was changed after it was written")


def orphan_entries(*, using: str, chunk: int) -> Iterator[dict]:
    """Entries whose seal no longer exists (or never did): `chunk` at a time, in entry order."""
    from procurement.audit.models import AuditEntry, AuditSeal

    base = (AuditEntry.objects.using(using).exclude(seal_id__in=AuditSeal.objects.using(using).values("pk"))
            .order_by("pk").values("pk", "history_model", "history_id", "object_key", "sequence"))
    last = 0
    while True:
        page = list(base.filter(pk__gt=last)[:chunk])
        if not page:
            return
        last = page[-1]["pk"]
        yield from page
