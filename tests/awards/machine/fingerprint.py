"""A cheap fingerprint of everything the database holds: the row count of every table (one query), plus the
state columns of the machine's procedure and its bids and memo. A refused service call must leave it unchanged:
every domain write also adds a history row, and the untracked tables (many-to-many links, grants, outbox) are
counted too."""

from __future__ import annotations

from django.apps import apps
from django.db import connection

_TABLES: list[str] = []


def tables() -> list[str]:
    if not _TABLES:
        names = set()
        for model in apps.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                names.add(model._meta.db_table)
        existing = set(connection.introspection.table_names())
        _TABLES.extend(sorted(names & existing))
    return _TABLES


def row_counts() -> dict[str, int]:
    quote = connection.ops.quote_name
    # Table names come from the installed models' metadata, quoted by the backend: nothing user-supplied.
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables())  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        values = cursor.fetchone()
    return dict(zip(tables(), values, strict=True))


def state(procedure_id) -> tuple:
    from awards.models import AwardProcedure, Bid, DecisionMemo

    procedure = AwardProcedure.objects.filter(pk=procedure_id).values_list(
        "stage", "updated_at", "target_award_date", "proposals_due").first()
    bids = tuple(Bid.objects.filter(procedure_id=procedure_id).order_by("pk").values_list(
        "pk", "status", "late_decision", "updated_at"))
    memos = tuple(DecisionMemo.objects.filter(procedure_id=procedure_id).values_list(
        "pk", "status", "revision", "version", "recommended_bid_id", "contract_value", "decision_date",
        "updated_at"))
    return procedure, bids, memos


def fingerprint(procedure_id) -> tuple:
    return row_counts(), state(procedure_id)


def difference(before: tuple, after: tuple) -> str:
    (counts_before, state_before), (counts_after, state_after) = before, after
    changed = {t: (counts_before[t], counts_after[t]) for t in counts_before if counts_before[t] != counts_after[t]}
    lines = [f"{t}: {a} -> {b} rows" for t, (a, b) in sorted(changed.items())]
    if state_before != state_after:
        lines.append(f"state {state_before} -> {state_after}")
    return "; ".join(lines)
