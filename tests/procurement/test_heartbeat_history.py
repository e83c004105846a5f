"""The worker heartbeat keeps no history (issue 18), and migration 0003 retires the history it had: the table
goes, its seals stay, pinned by one retirement seal."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from procurement.audit.models import AuditSeal
from procurement.models import WorkerHeartbeat
from procurement.services import worker_heartbeat_record

BEFORE, AFTER = ("procurement", "0002_exchange_rates"), ("procurement", "0003_retire_worker_heartbeat_history")
LATEST = ("procurement", "0004_issue21_daily_work")  # where every other test expects the schema to be
LABEL = "procurement.historicalworkerheartbeat"


@pytest.mark.django_db
def test_a_heartbeat_write_creates_no_history_row_and_no_seal():
    seals = AuditSeal.objects.count()

    beat = worker_heartbeat_record(hostname="quiet-host", pid=1)
    worker_heartbeat_record(hostname="quiet-host", pid=2)

    assert WorkerHeartbeat.objects.get(pk=beat.pk).pid == 2
    assert not hasattr(WorkerHeartbeat, "history")
    assert LABEL not in connection.introspection.table_names() and "procurement_historicalworkerheartbeat" \
        not in connection.introspection.table_names()
    assert AuditSeal.objects.count() == seals
    assert not AuditSeal.objects.filter(object_key__startswith="procurement.workerheartbeat:").exists()


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] != target[0]]
    return executor.loader.project_state([target, *others]).apps


@pytest.fixture(autouse=True)
def _schema_back_to_latest():
    """These tests move the procurement app's schema back; leave it where the rest of the suite expects it."""
    yield
    _migrate(LATEST)


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_the_history_table_and_pins_its_chains():
    from procurement.audit.chain import seal_unsealed

    migration = __import__("procurement.migrations.0003_retire_worker_heartbeat_history", fromlist=["x"])
    old = _migrate(BEFORE)
    try:
        # given heartbeat history written (and sealed) while the heartbeat still kept it
        history = old.get_model("procurement", "HistoricalWorkerHeartbeat")
        for pid, kind in ((1, "+"), (2, "~"), (3, "~")):
            history.objects.create(id=41, hostname="old-host", pid=pid, seen_at="2026-01-01T00:00:00Z",
                                   history_date="2026-01-01T00:00:00Z", history_type=kind,
                                   history_change_reason="Worker heartbeat")
        assert seal_unsealed(old) == 3
        seals = list(AuditSeal.objects.filter(history_model=LABEL).order_by("sequence")
                     .values_list("sequence", "row_hash"))
    finally:
        _migrate(AFTER)  # when the migration runs

    # then the table is gone, the seals are all still there, and one retirement seal pins their chain's head
    assert "procurement_historicalworkerheartbeat" not in connection.introspection.table_names()
    assert list(AuditSeal.objects.filter(history_model=LABEL, object_key="procurement.workerheartbeat:41")
                .order_by("sequence").values_list("sequence", "row_hash")) == seals
    retirement = AuditSeal.objects.get(object_key=f"retired:{LABEL}")
    assert (retirement.history_model, retirement.history_id, retirement.sequence, retirement.columns) == \
        (LABEL, 0, 1, "")
    assert retirement.row_hash == migration.retirement_hash(
        LABEL, {"procurement.workerheartbeat:41": seals[-1]})


@pytest.mark.django_db(transaction=True)
def test_audit_verify_passes_after_the_retirement_and_notices_a_pinned_chain_growing():
    from django.core.management import call_command

    from procurement.audit.chain import seal_unsealed, verify_chains

    old = _migrate(BEFORE)
    try:
        history = old.get_model("procurement", "HistoricalWorkerHeartbeat")
        for pid, kind in ((1, "+"), (2, "~")):
            history.objects.create(id=7, hostname="old-host", pid=pid, seen_at="2026-01-01T00:00:00Z",
                                   history_date="2026-01-01T00:00:00Z", history_type=kind,
                                   history_change_reason="Worker heartbeat")
        seal_unsealed(old)
    finally:
        _migrate(AFTER)
        _migrate(LATEST)
    result = verify_chains()
    assert result.intact, [str(b) for b in result.breaks]
    call_command("audit_verify")  # exits 0
    head = AuditSeal.objects.filter(object_key="procurement.workerheartbeat:7").order_by("-sequence").first()
    AuditSeal.objects.create(history_model=LABEL, history_id=999, object_key=head.object_key,
                             sequence=head.sequence + 1, previous_hash=head.row_hash, row_hash="f" * 64, columns="")
    assert [b.problem for b in verify_chains().breaks] == [
        "the chains of this retired history table changed after it was retired"]
