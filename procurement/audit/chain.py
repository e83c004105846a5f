"""The tamper-evident audit chain: every history row is sealed by a hash chained to the previous row of the
same object, and `verify_chains` walks every chain to find the first broken row.

What is sealed
    Each history row that django-simple-history writes for any tracked model (every Baton model: the set is
    discovered from the app registry, so models added later by other apps are sealed with no extra code) gets
    one `AuditSeal` row, written by the `post_create_historical_record` receiver in the same transaction as the
    history row. The seal stores the object key (tracked model label + primary key), the row's position in
    that object's chain (1, 2, 3…), the previous seal's hash and

        row_hash = sha256(canonical JSON of {chain format, history model, object key, sequence, previous hash,
                          every column of the history row, the row's many-to-many history rows})

    Every column means all tracked field values plus history_id, history_date, history_type,
    history_user_id and history_change_reason. The seal records which columns it covers: a later migration
    may add a column to a history table (other rows were never sealed with it), so `audit_verify` rechecks
    exactly the sealed columns, and reports a sealed column that has since disappeared (renamed or removed),
    since its sealed value can no longer be checked. The values are read back from the database (one SELECT) rather
    than taken from the Python instance, so the hash is computed from exactly what was stored — the same
    values `audit_verify` reads later (a Decimal assigned as 5 but stored as 5.00, a date assigned as a string,
    JSON key order: none of these can make an honest row look forged).

Why a separate seal table
    The chain lives in one kernel table instead of extra columns on every historical table: apps keep adding
    tracked models and own their migrations, and a column on each history table would need an audit migration
    in every app. One table also lets `audit_verify` walk all chains with one keyset-paginated index scan.

Why the chain cannot fork (the lock)
    The hash of row n needs the hash of row n-1, so two writers appending to the same object at once could
    both read the same head and write two rows claiming position n. The head is read and the seal written
    under a per-chain lock:
      * PostgreSQL: `pg_advisory_xact_lock(k)` where k is the first 8 bytes of sha256(object key). An advisory
        lock rather than `select_for_update` on the head seal because the first row of a chain has no head
        to lock; the lock is transaction-scoped, so it is released on commit or rollback. Writers to
        different objects do not wait for each other (a 64-bit key collision only costs a short wait).
      * SQLite: the writer already holds the database's write lock (the history INSERT took it, and Baton
        opens transactions as IMMEDIATE), so no other connection can append anything until commit.
    Backing both, `UniqueConstraint(object_key, sequence)`: a fork would be an IntegrityError, never two
    rows at one position. When the caller is not in a transaction (autocommit), the seal still runs in its
    own atomic block so the lock spans read-head-and-insert; the history row was then already committed a
    statement earlier and, should the process die in between, `audit_verify` reports it as unsealed.

What the chain proves, and what it does not
    Changing, deleting or inserting a history row (or a seal) in the middle of a chain breaks it; triggers
    (procurement.audit.triggers) refuse UPDATE and DELETE outright. Someone able to rewrite both a row and
    every later seal of its object with their own SHA-256 could rebuild a consistent chain: hashes are not
    signatures. That is why heads are also printed outside the database, e.g. on the approved memo PDF
    (the chain head it was approved at), so a rebuilt chain no longer matches the paper.

The audit log index
    With each seal, `seal_history_row` also writes the auditor's log line for the row (`AuditEntry`,
    procurement.audit.index) in the same atomic block. The index is derived data, not evidence: `audit_verify`
    proves the chain from the history rows and seals, and on the same walk checks that every seal has its
    entry, that each entry still equals its seal and row, and that no entry lacks a seal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from uuid import UUID

from django.apps import apps as global_apps
from django.db import connections, models, transaction
from django.db.models import Q

from procurement.audit import index

CHAIN_FORMAT = "baton-audit-chain/1"
GENESIS = "0" * 64
HISTORY_COLUMNS = {"history_id", "history_date", "history_type", "history_change_reason"}


# --- which tables are sealed ------------------------------------------------------------------------------------


def is_history_model(model: type[models.Model]) -> bool:
    """A django-simple-history historical model (works on migration-state models too)."""
    names = {f.attname for f in model._meta.concrete_fields}
    return model._meta.model_name.startswith("historical") and names >= HISTORY_COLUMNS


def history_models(registry=global_apps) -> list[type[models.Model]]:
    return sorted((m for m in registry.get_models() if is_history_model(m)), key=lambda m: m._meta.label_lower)


def m2m_history_models(history_model: type[models.Model], registry=global_apps) -> list[type[models.Model]]:
    """The many-to-many history tables hanging off `history_model` (rows point at it through `history`)."""
    found = []
    for model in registry.get_models():
        fk = next((f for f in model._meta.concrete_fields if f.name == "history"), None)
        if fk is not None and fk.is_relation and fk.remote_field.model is history_model and model is not history_model:
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def append_only_models(registry=global_apps) -> list[type[models.Model]]:
    """Every table the append-only triggers guard: history tables, their m2m history tables, the seals."""
    found = []
    for model in history_models(registry):
        found.append(model)
        found.extend(m2m_history_models(model, registry))
    found.append(registry.get_model("audit", "AuditSeal"))
    if (entries := index.entry_model(registry)) is not None:  # the audit log index (procurement.audit.index)
        found.append(entries)
    return found


@dataclass(frozen=True)
class Layout:
    """How to read and key one history model's rows."""

    model: type[models.Model]
    label: str  # e.g. vendors.historicalvendor
    object_label: str  # e.g. vendors.vendor
    pk_attname: str
    columns: tuple[str, ...]
    m2m: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = field(default=())

    def object_key(self, row: dict) -> str:
        return f"{self.object_label}:{row[self.pk_attname]}"


def _build_layout(history_model: type[models.Model], registry) -> Layout:
    meta = history_model._meta
    tracked = getattr(history_model, "instance_type", None)
    pk_attname = tracked._meta.pk.attname if tracked is not None else "id"
    m2m = []
    for m2m_model in m2m_history_models(history_model, registry):
        skip = {m2m_model._meta.pk.attname, m2m_model._meta.get_field("history").attname}
        m2m.append((m2m_model, tuple(sorted(f.attname for f in m2m_model._meta.concrete_fields
                                            if f.attname not in skip))))
    return Layout(
        model=history_model, label=meta.label_lower,
        object_label=f"{meta.app_label}.{meta.model_name.removeprefix('historical')}",
        pk_attname=pk_attname, columns=tuple(sorted(f.attname for f in meta.concrete_fields)), m2m=tuple(m2m),
    )


@cache
def layout(history_model: type[models.Model]) -> Layout:
    return _build_layout(history_model, global_apps)


def layouts(registry=global_apps) -> dict[str, Layout]:
    build = layout if registry is global_apps else (lambda m: _build_layout(m, registry))
    return {m._meta.label_lower: build(m) for m in history_models(registry)}


# --- the hash ---------------------------------------------------------------------------------------------------


def _canonical(value):
    """JSON has no datetimes, decimals…: give every other value one stable text form."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, UUID):
        return str(value)
    return str(value)


def _dumps(payload) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_canonical)


def row_hash(*, spec: Layout, object_key: str, sequence: int, previous_hash: str, row: dict,
             m2m_rows: dict[str, list[dict]], columns: tuple[str, ...] | None = None) -> str:
    """The seal's hash; `columns` are those the seal covers (default: every column the table has now)."""
    payload = {
        "format": CHAIN_FORMAT, "history_model": spec.label, "object": object_key, "sequence": sequence,
        "previous": previous_hash, "row": {name: row[name] for name in (columns or spec.columns)},
        "m2m": {label: sorted(_dumps(r) for r in rows) for label, rows in m2m_rows.items()},
    }
    return hashlib.sha256(_dumps(payload).encode("utf-8")).hexdigest()


def _m2m_rows(spec: Layout, history_ids: list[int], using: str) -> dict[int, dict[str, list[dict]]]:
    """{history_id: {m2m history label: [row values]}} for the given history rows (one query per m2m table)."""
    found: dict[int, dict[str, list[dict]]] = {
        hid: {m._meta.label_lower: [] for m, _ in spec.m2m} for hid in history_ids}
    for m2m_model, columns in spec.m2m:
        label = m2m_model._meta.label_lower
        rows = m2m_model._base_manager.using(using).filter(history_id__in=history_ids)
        for values in rows.values("history_id", *columns):
            found[values.pop("history_id")][label].append(values)
    return found


# --- sealing ----------------------------------------------------------------------------------------------------


def chain_lock_key(object_key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"baton-audit:{object_key}".encode()).digest()[:8], "big", signed=True)


def _lock_chain(using: str, object_key: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [chain_lock_key(object_key)])
    # SQLite: this connection already holds the database write lock until commit (see the module docstring).


def seal_history_row(spec: Layout, history_id: int, *, using: str = "default", seal_model=None):
    """Append the seal of one history row to its object's chain; returns the seal."""
    seal_model = seal_model or global_apps.get_model("audit", "AuditSeal")
    # No savepoint: a seal that cannot be written must take the caller's whole write down with it.
    with transaction.atomic(using=using, savepoint=False):
        row = spec.model._base_manager.using(using).filter(history_id=history_id).values(*spec.columns).get()
        object_key = spec.object_key(row)
        _lock_chain(using, object_key)
        head = (seal_model._base_manager.using(using).filter(object_key=object_key).order_by("-sequence")
                .values("sequence", "row_hash").first())
        sequence, previous = (head["sequence"] + 1, head["row_hash"]) if head else (1, GENESIS)
        digest = row_hash(spec=spec, object_key=object_key, sequence=sequence, previous_hash=previous, row=row,
                          m2m_rows=_m2m_rows(spec, [history_id], using)[history_id])
        seal = seal_model._base_manager.using(using).create(
            history_model=spec.label, history_id=history_id, object_key=object_key, sequence=sequence,
            previous_hash=previous, row_hash=digest, columns=",".join(spec.columns),
        )
        # The audit log's line for this row, from the row just read (procurement.audit.index). A migration
        # running before the index table exists skips it: the index's own migration fills it afterwards.
        if (entries := index.entry_model(seal_model._meta.apps)) is not None:
            index.write_entry(seal, row, spec, using=using, model=entries)
        return seal


def on_history_row_created(sender, history_instance, **kwargs) -> None:
    """simple-history's post_create_historical_record receiver: seal the new row (same transaction)."""
    if not is_history_model(sender):
        return
    seal_history_row(layout(sender), history_instance.pk, using=history_instance._state.db or "default")


def seal_unsealed(registry=global_apps, *, using: str = "default") -> int:
    """Seal history rows written before the chain existed, oldest first per object; returns how many.
    Run once by the migration that creates the seal table (later unsealed rows are for audit_verify to report,
    never to be sealed silently)."""
    seal_model = registry.get_model("audit", "AuditSeal")
    present = set(connections[using].introspection.table_names())
    sealed = 0
    for spec in layouts(registry).values():
        if spec.model._meta.db_table not in present:
            continue  # a fresh database: that app's tables come later in the migration plan
        done = seal_model._base_manager.using(using).filter(history_model=spec.label).values("history_id")
        todo = (spec.model._base_manager.using(using).exclude(history_id__in=done)
                .order_by("history_date", "history_id").values_list("history_id", flat=True))
        for history_id in todo.iterator(chunk_size=500):
            seal_history_row(spec, history_id, using=using, seal_model=seal_model)
            sealed += 1
    return sealed


# --- reading heads ----------------------------------------------------------------------------------------------


def seal_of(history_row: models.Model):
    """The seal of one history row (None if it has none)."""
    from procurement.audit.models import AuditSeal

    return AuditSeal.objects.filter(history_model=history_row._meta.label_lower, history_id=history_row.pk).first()


def chain_head(instance: models.Model):
    """The newest seal of `instance`'s chain (None for an object with no history)."""
    from procurement.audit.models import AuditSeal

    key = f"{instance._meta.label_lower}:{instance.pk}"
    return AuditSeal.objects.filter(object_key=key).order_by("-sequence").first()


# --- verification -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    history_model: str
    history_id: int | None
    object_key: str
    problem: str

    def __str__(self) -> str:
        row = f"history row {self.history_id}" if self.history_id is not None else "no history row"
        return f"{self.object_key}: {self.history_model} {row}: {self.problem}"


@dataclass
class Verification:
    chains: int = 0
    rows: int = 0
    breaks: list[Break] = field(default_factory=list)
    index_entries: int = 0  # audit log index entries checked against their seals (procurement.audit.index)

    @property
    def intact(self) -> bool:
        return not self.breaks


def _seal_pages(using: str, chunk: int) -> Iterator[list[tuple]]:
    """All seals ordered by (object key, sequence), `chunk` at a time (keyset pagination: constant memory)."""
    from procurement.audit.models import AuditSeal

    columns = ("object_key", "sequence", "history_model", "history_id", "previous_hash", "row_hash", "columns",
               "id")
    base = AuditSeal.objects.using(using).order_by("object_key", "sequence").values_list(*columns)
    last = None
    while True:
        page_qs = base if last is None else base.filter(
            Q(object_key__gt=last[0]) | Q(object_key=last[0], sequence__gt=last[1]))
        page = list(page_qs[:chunk])
        if not page:
            return
        yield page
        last = page[-1]


# --- retired history tables -------------------------------------------------------------------------------------
# A migration that drops a history table (a model stops keeping history) leaves its seals in place and appends
# one retirement seal: object key "retired:<history label>", history_id 0, sequence 1, no columns, whose hash
# pins the head of every chain of that table (procurement/migrations/0003_retire_worker_heartbeat_history.py
# computes the same hash). The verifier still checks that those chains link up, skips the rows it can no longer
# read, and checks that the heads are exactly the pinned ones.
RETIREMENT_FORMAT = "baton-audit-retirement/1"
RETIRED_PREFIX = "retired:"


def retirement_hash(label: str, heads: dict[str, tuple[int, str]]) -> str:
    payload = {"format": RETIREMENT_FORMAT, "history_model": label,
               "chains": {key: [sequence, digest] for key, (sequence, digest) in heads.items()}}
    return hashlib.sha256(_dumps(payload).encode("utf-8")).hexdigest()


def _retired(using: str, specs: dict) -> dict[str, tuple[str, str]]:
    """{history label: (retirement object key, pinned hash)} for each retired table that is really gone."""
    from procurement.audit.models import AuditSeal

    found = AuditSeal.objects.using(using).filter(object_key__startswith=RETIRED_PREFIX, history_id=0, sequence=1)
    return {label: (key, digest) for label, key, digest in found.values_list("history_model", "object_key", "row_hash")
            if key == f"{RETIRED_PREFIX}{label}" and label not in specs}


def _retired_heads(using: str, label: str) -> dict[str, tuple[int, str]]:
    from procurement.audit.models import AuditSeal

    heads: dict[str, tuple[int, str]] = {}
    seals = (AuditSeal.objects.using(using).filter(history_model=label).exclude(object_key__startswith=RETIRED_PREFIX)
             .order_by("object_key", "sequence").values_list("object_key", "sequence", "row_hash"))
    for object_key, sequence, digest in seals.iterator(chunk_size=2000):
        heads[object_key] = (sequence, digest)
    return heads


def verify_chains(*, using: str = "default", chunk: int = 500) -> Verification:
    """Walk every chain; report the first broken row of each broken chain. Memory stays bounded by `chunk`
    (plus the keys of chains already found broken).

    On the same walk, check the audit log index against the chain (procurement.audit.index): each seal's entry
    present and equal to its seal and history row, and no entry without a seal. The index is a copy, not
    evidence: its problems are reported as breaks too (the log must not show what the chain does not hold),
    but only for chains otherwise intact, so one forgery is named once."""
    specs = layouts()
    retired = _retired(using, specs)
    result = Verification()
    broken: set[str] = set()
    index_broken: set[str] = set()  # objects whose index entries were already found wrong
    current, expected, previous = None, 1, GENESIS

    def report(seal_label, history_id, object_key, problem):
        result.breaks.append(Break(seal_label, history_id, object_key, problem))
        broken.add(object_key)

    for page in _seal_pages(using, chunk):
        rows: dict[tuple[str, int], dict] = {}
        m2m: dict[tuple[str, int], dict] = {}
        by_model: dict[str, list[int]] = {}
        for seal in page:
            by_model.setdefault(seal[2], []).append(seal[3])
        for label, ids in by_model.items():
            spec = specs.get(label)
            if spec is None:
                continue
            for values in spec.model._base_manager.using(using).filter(history_id__in=ids).values(*spec.columns):
                rows[(label, values["history_id"])] = values
            for hid, extra in _m2m_rows(spec, ids, using).items():
                m2m[(label, hid)] = extra

        entries = index.entries_of([seal[7] for seal in page], using=using)
        for object_key, sequence, label, history_id, previous_hash, stored_hash, sealed_columns, seal_id in page:
            if object_key != current:
                current, expected, previous = object_key, 1, GENESIS
                result.chains += 1
            result.rows += 1
            if object_key in broken:
                continue
            if label in retired and object_key == retired[label][0]:
                continue  # the retirement seal itself: checked against the chains' heads after the walk
            spec, row = specs.get(label), rows.get((label, history_id))
            if sequence != expected:
                report(label, history_id, object_key,
                       f"sequence {sequence} where {expected} was expected: a history row and its seal were "
                       "removed (or a seal was inserted) before this row")
            elif previous_hash != previous:
                report(label, history_id, object_key,
                       f"seal {sequence} does not link to seal {sequence - 1}: the chain was rewritten")
            elif spec is None and label in retired:
                pass  # dropped by a migration that recorded the retirement: the links above are still checked
            elif spec is None:
                report(label, history_id, object_key, "the sealed history table no longer exists")
            elif row is None:
                report(label, history_id, object_key, "the history row was deleted (its seal remains)")
            elif spec.object_key(row) != object_key:
                report(label, history_id, object_key, "the history row now belongs to another object")
            elif gone := sorted(set(sealed_columns.split(",")) - set(spec.columns)):
                report(label, history_id, object_key,
                       f"sealed column(s) {', '.join(gone)} no longer exist: the sealed values cannot be checked")
            elif row_hash(spec=spec, object_key=object_key, sequence=sequence, previous_hash=previous_hash,
                          row=row, m2m_rows=m2m[(label, history_id)],
                          columns=tuple(sealed_columns.split(","))) != stored_hash:
                report(label, history_id, object_key,
                       "the history row does not match its seal: it was changed after it was written")
            elif object_key not in index_broken and (problem := index.verify_entry(
                    {"id": seal_id, "history_model": label, "history_id": history_id, "object_key": object_key,
                     "sequence": sequence, "row_hash": stored_hash}, row, entries.get(seal_id), spec)):
                # Reported, but the chain walk goes on: a forged entry must not hide a forged row later on.
                result.breaks.append(Break(label, history_id, object_key, problem))
                index_broken.add(object_key)
            expected, previous = sequence + 1, stored_hash
        result.index_entries += len(entries)

    for label, (object_key, digest) in retired.items():
        if retirement_hash(label, _retired_heads(using, label)) != digest:
            report(label, 0, object_key, "the chains of this retired history table changed after it was retired")
    _report_unsealed(specs, using, chunk, result, broken)
    for entry in index.orphan_entries(using=using, chunk=chunk):
        result.index_entries += 1
        if entry["object_key"] not in broken | index_broken:
            result.breaks.append(Break(entry["history_model"], entry["history_id"], entry["object_key"],
                                       f"audit log index: an entry (sequence {entry['sequence']}) has no seal: "
                                       "the seal was removed, or the entry was added outside the application"))
            broken.add(entry["object_key"])
    return result


def _report_unsealed(specs: dict[str, Layout], using: str, chunk: int, result: Verification, broken: set[str]):
    """History rows that no seal covers: inserted behind the application's back (or a crash in autocommit)."""
    from procurement.audit.models import AuditSeal

    for spec in specs.values():
        sealed = AuditSeal.objects.using(using).filter(history_model=spec.label).values("history_id")
        base = (spec.model._base_manager.using(using).exclude(history_id__in=sealed).order_by("history_id")
                .values("history_id", spec.pk_attname))
        last = 0
        while True:
            page = list(base.filter(history_id__gt=last)[:chunk])
            if not page:
                break
            last = page[-1]["history_id"]
            for row in page:
                result.rows += 1
                object_key = spec.object_key(row)
                if object_key not in broken:
                    result.breaks.append(Break(spec.label, row["history_id"], object_key,
                                               "the history row has no seal: it was added outside the application"))
                    broken.add(object_key)
