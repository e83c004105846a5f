"""Every Baton model keeps history, and nothing bypasses it with a bulk write."""

import ast
from pathlib import Path

import pytest

from procurement.accounts.models import User
from procurement.audit.history import attribute, baton_models, is_tracked
from procurement.models import ReferenceSequence
from tests.conftest import TrackedBulkWrite
from tests.factories.audit import number_record

ROOT = Path(__file__).resolve().parents[2]
SOURCE_PACKAGES = ("procurement", "vendors", "awards", "contracts")
QUERYSET_RECEIVERS = {"filter", "exclude", "all", "select_for_update", "select_related", "prefetch_related",
                      "order_by", "annotate", "none", "using", "distinct"}
# Tables that are themselves the audit trail (append-only, no history of their own), so a bulk insert skips nothing.
AUDIT_TABLES = {"AuditSeal", "AuditEntry"}


def test_every_model_of_the_four_apps_has_history():
    models = baton_models()
    assert User in models and ReferenceSequence in models  # the enumeration really finds the apps' models

    untracked = [f"{m._meta.app_label}.{m.__name__}" for m in models if not is_tracked(m)]

    assert untracked == [], f"models without HistoricalRecords: {untracked}"


@pytest.mark.django_db
def test_the_guard_refuses_queryset_update_on_a_tracked_model():
    number_record(prefix="h1", number=1)

    with pytest.raises(TrackedBulkWrite, match="skips its history"):
        ReferenceSequence.objects.filter(prefix="h1").update(last_number=2)
    with pytest.raises(TrackedBulkWrite):
        ReferenceSequence.objects.bulk_create([ReferenceSequence(prefix="h2", year=2026, last_number=3)])

    assert ReferenceSequence.objects.get(prefix="h1").last_number == 1


@pytest.mark.django_db
def test_the_guard_lets_untracked_models_through():
    from django.contrib.sessions.models import Session

    assert Session.objects.filter(session_key="none").update(session_data="x") == 0


def _on_audit_table(receiver: ast.expr) -> bool:
    """`AuditSeal.objects`, `AuditEntry._base_manager`, either optionally followed by `.using(alias)`."""
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and receiver.func.attr == "using":
        receiver = receiver.func.value
    return (isinstance(receiver, ast.Attribute) and receiver.attr in {"objects", "_base_manager"}
            and isinstance(receiver.value, ast.Name) and receiver.value.id in AUDIT_TABLES)


def _delegating_calls(tree: ast.AST) -> set[int]:
    """`super().bulk_create(...)` inside a `bulk_create` override: the override is what callers call, and each of
    its call sites is checked on its own."""
    found = set()
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef) and func.name == "bulk_create":
            for node in ast.walk(func):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "bulk_create" and isinstance(node.func.value, ast.Call)
                        and isinstance(node.func.value.func, ast.Name) and node.func.value.func.id == "super"):
                    found.add(id(node))
    return found


def _bulk_writes_in(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(), filename=str(path))
    delegating = _delegating_calls(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, node.func.value
        if name == "bulk_create" and (_on_audit_table(receiver) or id(node) in delegating):
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
    from procurement.audit.models import AuditEntry, AuditSeal

    assert not is_tracked(AuditSeal) and AuditSeal not in baton_models()
    assert not is_tracked(AuditEntry) and AuditEntry not in baton_models()


def test_the_static_scan_lets_only_the_audit_tables_write_in_bulk(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(Vendor, AuditEntry):\n"
        "    Vendor.objects.using('x').bulk_create([])\n"
        "    AuditEntry.objects.using('x').bulk_create([])\n"
        "    AuditEntry._base_manager.bulk_create([])\n"
        "    super().bulk_create([])\n"
        "class Q:\n"
        "    def bulk_create(self, objs):\n"
        "        return super().bulk_create(objs)\n"
    )

    assert _bulk_writes_in(sample, root=tmp_path) == ["sample.py:2 bulk_create()", "sample.py:5 bulk_create()"]


def test_the_static_scan_recognises_a_queryset_update(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(M):\n    M.objects.filter(a=1).update(b=2)\n    d = {}\n    d.update(x=1)\n")

    assert _bulk_writes_in(sample, root=tmp_path) == ["sample.py:2 .update()"]


@pytest.mark.django_db
def test_history_rows_record_actor_and_reason(lead):
    numbered = number_record(prefix="h3", number=7)
    attribute(numbered, actor=lead, reason="Corrected number")
    numbered.last_number = 8
    numbered.save()

    latest = numbered.history.first()
    assert (latest.history_user, latest.history_change_reason, latest.last_number) == (lead, "Corrected number", 8)
    assert numbered.history.count() == 2


def test_a_change_without_reason_is_refused():
    with pytest.raises(ValueError, match="reason"):
        attribute(ReferenceSequence(), actor=None, reason="  ")
