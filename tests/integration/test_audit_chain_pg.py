"""The tamper-evident audit trail on real PostgreSQL (issue 11): the triggers refuse UPDATE, DELETE and
TRUNCATE, a forged row is named by `audit_verify`, and concurrent writers on their own connections never fork
one object's chain. (Each test here ends with pytest-django's flush, a TRUNCATE through the test-only bypass:
the next test starting clean proves the flush still works with the triggers installed.)"""
# ruff: noqa: S608 - the raw SQL forges rows on purpose; table names come from model metadata, values are bound.

import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models.signals import post_save

from procurement.audit import chain
from procurement.audit.chain import GENESIS, verify_chains
from procurement.audit.history import attribute
from procurement.audit.models import AuditSeal
from procurement.audit.triggers import append_only_tables, audit_bypass, installed_triggers
from procurement.models import ReferenceSequence
from tests.factories.audit import number_record
from tests.security.figures import record

pytestmark = pytest.mark.django_db(transaction=True)
HISTORY = ReferenceSequence.history.model
TABLE = HISTORY._meta.db_table


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def chain_of(beat) -> list[AuditSeal]:
    return list(AuditSeal.objects.filter(object_key=f"procurement.referencesequence:{beat.pk}").order_by("sequence"))


def test_postgres_triggers_guard_every_history_table():
    assert connection.vendor == "postgresql"
    present = installed_triggers()
    missing = [t for t in append_only_tables() if present.get(t) != {"baton_append_only", "baton_append_only_truncate"}]
    assert missing == []


@pytest.mark.parametrize("statement", [
    f'UPDATE "{TABLE}" SET last_number = 42',
    f'DELETE FROM "{TABLE}"',
    f'TRUNCATE "{TABLE}"',
    'UPDATE "audit_auditseal" SET row_hash = \'forged\'',
    'DELETE FROM "audit_auditseal"',
    'TRUNCATE "audit_auditseal"',
    'UPDATE "audit_auditentry" SET reason = \'forged\'',
    'DELETE FROM "audit_auditentry"',
    'TRUNCATE "audit_auditentry"',
])
def test_postgres_refuses_update_delete_and_truncate(statement):
    beat = number_record(prefix="pg-host", number=1)
    number_record(prefix="pg-host", number=2)
    seals = AuditSeal.objects.count()  # the reference data re-seeded after the last flush has seals too

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        raw(statement)

    assert list(HISTORY.objects.order_by("history_id").values_list("last_number", flat=True)) == [1, 2]
    assert AuditSeal.objects.count() == seals and len(chain_of(beat)) == 2 and verify_chains().intact


def test_a_forged_row_on_postgres_is_named_by_audit_verify(capsys):
    beat = number_record(prefix="pg-forged", number=1)
    number_record(prefix="pg-forged", number=2)
    number_record(prefix="pg-other", number=3)
    target = chain_of(beat)[0]

    with audit_bypass():
        raw(f'UPDATE "{TABLE}" SET history_change_reason = %s WHERE history_id = %s', ["Backdated", target.history_id])

    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    err = capsys.readouterr().err

    assert failure.value.returncode == 1 and "1 broken chain(s)" in str(failure.value)
    assert err.count("BROKEN") == 1
    assert f"procurement.referencesequence:{beat.pk}" in err and f"history id {target.history_id}" in err
    record("chains verified", verify_chains().chains)
    record("chains verified/forgeries detected", 1)


def _write_history_concurrently(beat_pk: int, *, threads: int, writes: int, hold: float) -> list[str]:
    """`threads` workers, each on its own connection, append `writes` history rows to the same numbered. Each
    write re-sends post_save (what simple-history listens to) without touching the numbered row itself, so no
    row lock on the object serialises the writers: only the chain's own lock can."""
    barrier = threading.Barrier(threads)
    errors: list[str] = []

    def writer(n: int) -> None:
        try:
            beat = ReferenceSequence.objects.get(pk=beat_pk)
            barrier.wait(timeout=30)
            for i in range(writes):
                with transaction.atomic():
                    attribute(beat, actor=None, reason=f"writer {n} write {i}")
                    post_save.send(sender=ReferenceSequence, instance=beat, created=False)
                    time.sleep(hold)  # keep the transaction (and any lock) open while the others try
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return errors


def test_concurrent_writers_never_fork_one_objects_chain():
    beat = number_record(prefix="pg-busy", number=1)
    rows_before = verify_chains().rows

    errors = _write_history_concurrently(beat.pk, threads=6, writes=5, hold=0.02)

    assert errors == []
    seals = chain_of(beat)
    assert [s.sequence for s in seals] == list(range(1, 32))
    assert seals[0].previous_hash == GENESIS
    assert all(later.previous_hash == earlier.row_hash for earlier, later in zip(seals, seals[1:], strict=False))
    assert HISTORY.objects.filter(id=beat.pk).count() == 31
    result = verify_chains()
    assert result.intact and result.rows == rows_before + 30
    record("chains verified", result.chains)


def test_without_the_chain_lock_the_unique_constraint_refuses_the_fork(monkeypatch):
    """The control experiment: the same writers with the advisory lock switched off do collide, and the
    database constraint turns the would-be fork into an error (nothing half-written: that write rolls back)."""
    beat = number_record(prefix="pg-unlocked", number=1)
    monkeypatch.setattr(chain, "_lock_chain", lambda using, object_key: None)

    errors = _write_history_concurrently(beat.pk, threads=4, writes=1, hold=0.5)

    assert errors and all("IntegrityError" in e and "audit_seal_one_row_per_position" in e for e in errors)
    seals = chain_of(beat)
    assert [s.sequence for s in seals] == [1, 2]  # the first row and the one writer that won
    assert HISTORY.objects.filter(id=beat.pk).count() == 2  # the losers' history rows rolled back with them
    assert verify_chains().intact


def test_the_log_index_on_postgres_keeps_step_with_the_chain():
    """Entries are written in the seal's transaction (a rollback leaves none), one query reads a page, and a
    forged entry is named by audit_verify."""
    from procurement.audit.log import log_page
    from procurement.audit.models import AuditEntry

    numbered = number_record(prefix="pg-index", number=1)
    number_record(prefix="pg-index", number=2)
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        number_record(prefix="pg-rollback", number=1)
        raise RuntimeError("fail after the write")
    assert AuditEntry.objects.count() == before == AuditSeal.objects.count()

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page = log_page(size=1, model_label="procurement.referencesequence")
    older = log_page(size=1, model_label="procurement.referencesequence", older_than=page.older)
    assert len(captured) == 1 and [r.object_id for r in page.rows + older.rows] == [str(numbered.pk)] * 2
    assert [r.history_id for r in page.rows] != [r.history_id for r in older.rows]

    entry = AuditEntry.objects.filter(object_key=f"procurement.referencesequence:{numbered.pk}").first()
    with audit_bypass():
        raw('UPDATE "audit_auditentry" SET reason = %s WHERE id = %s', ["Backdated", entry.pk])
    breaks = verify_chains().breaks
    assert [(b.history_id, b.problem) for b in breaks] == [
        (entry.history_id, "audit log index: the entry differs from its seal and history row (reason): it was "
                           "changed after it was written")]
