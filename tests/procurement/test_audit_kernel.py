"""Every Baton model keeps history, and nothing bypasses it with a bulk write."""

import ast
from pathlib import Path

import pytest

from procurement.accounts.models import User
from procurement.audit.history import attribute, baton_models, is_tracked
from procurement.models import WorkerHeartbeat
from procurement.services import worker_heartbeat_record
from tests.conftest import TrackedBulkWrite

ROOT = Path(__file__).resolve().parents[2]
SOURCE_PACKAGES = ("procurement", "vendors", "awards", "contracts")
QUERYSET_RECEIVERS = {"filter", "exclude", "all", "select_for_update", "select_related", "prefetch_related",
                      "order_by", "annotate", "none", "using", "distinct"}
# Tables that are themselves the audit trail (append-only, no history of their own), so a bulk insert skips nothing.
AUDIT_TABLES = {"AuditSeal"}


def test_every_model_of_the_four_apps_has_history():
    models = baton_models()
    assert User in models and WorkerHeartbeat in models  # the enumeration really finds the apps' models

    untracked = [f"{m._meta.app_label}.{m.__name__}" for m in models if not is_tracked(m)]

    assert untracked == [], f"models without HistoricalRecords: {untracked}"


@pytest.mark.django_db
def test_the_guard_refuses_queryset_update_on_a_tracked_model():
    worker_heartbeat_record(hostname="h1", pid=1)

    with pytest.raises(TrackedBulkWrite, match="skips its history"):
        WorkerHeartbeat.objects.filter(hostname="h1").update(pid=2)
    with pytest.raises(TrackedBulkWrite):
        WorkerHeartbeat.objects.bulk_create([WorkerHeartbeat(hostname="h2", pid=3)])

    assert WorkerHeartbeat.objects.get(hostname="h1").pid == 1


@pytest.mark.django_db
def test_the_guard_lets_untracked_models_through():
    from django.contrib.sessions.models import Session

    assert Session.objects.filter(session_key="none").update(session_data="x") == 0


def _bulk_writes_in(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, node.func.value
        on_audit_table = (isinstance(receiver, ast.Attribute) and receiver.attr == "objects"
                          and isinstance(receiver.value, ast.Name) and receiver.value.id in AUDIT_TABLES)
        if name == "bulk_create" and on_audit_table:
            continue
        if name in {"bulk_update", "bulk_create"}:
            found.append(f"{path.relative_to(root)}:{node.lineno} {name}()")
        elif name == "update":
            looks_like_queryset = (
                isinstance(receiver, ast.Attribute) and receiver.attr == "objects"
            ) or (
                isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
                and receiver.func.attr in QUERYSET_RECEIVERS
            )
            if looks_like_queryset:
                found.append(f"{path.relative_to(root)}:{node.lineno} .update()")
    return found


def test_no_source_file_calls_queryset_update_or_bulk_writes():
    offenders = []
    for package in SOURCE_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            offenders.extend(_bulk_writes_in(path))

    assert offenders == [], "bulk writes bypass the audit trail: " + ", ".join(offenders)


def test_the_audit_tables_are_the_trail_itself():
    from procurement.audit.models import AuditSeal

    assert not is_tracked(AuditSeal) and AuditSeal not in baton_models()


def test_the_static_scan_recognises_a_queryset_update(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(M):\n    M.objects.filter(a=1).update(b=2)\n    d = {}\n    d.update(x=1)\n")

    assert _bulk_writes_in(sample, root=tmp_path) == ["sample.py:2 .update()"]


@pytest.mark.django_db
def test_history_rows_record_actor_and_reason(lead):
    heartbeat = worker_heartbeat_record(hostname="h3", pid=7)
    attribute(heartbeat, actor=lead, reason="Corrected pid")
    heartbeat.pid = 8
    heartbeat.save()

    latest = heartbeat.history.first()
    assert (latest.history_user, latest.history_change_reason, latest.pid) == (lead, "Corrected pid", 8)
    assert heartbeat.history.count() == 2


def test_a_change_without_reason_is_refused():
    with pytest.raises(ValueError, match="reason"):
        attribute(WorkerHeartbeat(), actor=None, reason="  ")
