"""The tamper-evident audit trail (issue 11), fast leg on SQLite: every history row is sealed onto its object's
hash chain, history tables refuse UPDATE and DELETE, and `audit_verify` names the first forged, deleted or
unsealed row of each broken chain."""
# ruff: noqa: S608 - the raw SQL forges rows on purpose; table names come from model metadata, values are bound.

import dataclasses
import io
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from procurement.audit import chain
from procurement.audit.chain import GENESIS, layout, row_hash, seal_of, verify_chains
from procurement.audit.history import attribute
from procurement.audit.models import AuditSeal
from procurement.audit.triggers import append_only_tables, audit_bypass, installed_triggers
from procurement.models import ReferenceSequence
from tests.factories.audit import number_record
from tests.security.figures import record

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
HISTORY = ReferenceSequence.history.model
TABLE = HISTORY._meta.db_table


def seals_of(instance) -> list[AuditSeal]:
    return list(AuditSeal.objects.filter(object_key=f"{instance._meta.label_lower}:{instance.pk}").order_by("sequence"))


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify() -> tuple[int, str, str]:
    """Run the command: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code, err = exc.returncode, io.StringIO(err.getvalue() + str(exc))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def numbered():
    """A numbered created, changed, then deleted: a chain of three rows (+, ~, -)."""
    beat = number_record(prefix="chain-host", number=1)
    number_record(prefix="chain-host", number=2)
    pk = beat.pk
    beat = ReferenceSequence.objects.get(pk=pk)
    attribute(beat, actor=None, reason="Prefix retired")
    beat.delete()
    beat.pk = pk
    return beat


# --- the chain --------------------------------------------------------------------------------------------------


def test_create_update_delete_build_one_linked_chain(numbered):
    rows = list(HISTORY.objects.filter(id=numbered.pk).order_by("history_id"))
    seals = seals_of(numbered)

    assert [r.history_type for r in rows] == ["+", "~", "-"]
    assert [(s.sequence, s.history_id, s.history_model) for s in seals] == [
        (n, r.history_id, "procurement.historicalreferencesequence") for n, r in enumerate(rows, start=1)]
    assert seals[0].previous_hash == GENESIS
    assert [s.previous_hash for s in seals[1:]] == [s.row_hash for s in seals[:-1]]
    assert len({s.row_hash for s in seals}) == 3
    # the hash is reproducible from the stored row alone
    spec = layout(HISTORY)
    stored = HISTORY.objects.filter(history_id=rows[1].history_id).values(*spec.columns).get()
    assert row_hash(spec=spec, object_key=seals[1].object_key, sequence=2, previous_hash=seals[0].row_hash,
                    row=stored, m2m_rows={}) == seals[1].row_hash


def test_the_hash_covers_the_reason_the_actor_and_the_time(numbered, lead):
    spec = layout(HISTORY)
    seal = seals_of(numbered)[1]
    stored = HISTORY.objects.filter(history_id=seal.history_id).values(*spec.columns).get()

    def digest(**changes):
        return row_hash(spec=spec, object_key=seal.object_key, sequence=seal.sequence,
                        previous_hash=seal.previous_hash, row={**stored, **changes}, m2m_rows={})

    assert digest() == seal.row_hash
    for change in ({"history_change_reason": "other"}, {"history_user_id": lead.pk}, {"history_type": "-"},
                   {"history_date": stored["history_date"].replace(year=2020)}, {"last_number": 99}):
        assert digest(**change) != seal.row_hash, change


def test_a_rolled_back_change_leaves_neither_row_nor_seal():
    before = (HISTORY.objects.count(), AuditSeal.objects.count())
    with pytest.raises(RuntimeError), transaction.atomic():
        number_record(prefix="rolled-back", number=1)
        raise RuntimeError("fail after the write")

    assert (HISTORY.objects.count(), AuditSeal.objects.count()) == before


def test_many_to_many_history_is_sealed_with_its_row(make_user, lead):
    """Role grants live in the user's m2m history rows; forging one breaks the user's chain."""
    user = make_user()
    group = Group.objects.create(name="Sealed role")
    attribute(user, actor=lead, reason="Granted a role")
    user.groups.add(group)
    latest = user.history.order_by("-history_id").first()
    m2m_model = chain.m2m_history_models(user.history.model)[0]
    assert m2m_model.objects.filter(history_id=latest.history_id, group_id=group.pk).exists()
    assert verify_chains().intact

    with audit_bypass():
        raw(f'DELETE FROM "{m2m_model._meta.db_table}" WHERE history_id = %s', [latest.history_id])

    breaks = verify_chains().breaks
    assert [(b.history_model, b.history_id, b.object_key) for b in breaks] == [
        ("accounts.historicaluser", latest.history_id, f"accounts.user:{user.pk}")]
    assert "changed after it was written" in breaks[0].problem


def test_every_history_model_of_every_app_is_sealed():
    """New tracked models (any app) are found from the registry, with no audit-specific code."""
    tracked = {m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")}
    sealed = {m._meta.label_lower for m in chain.history_models()}

    assert {getattr(m, m._meta.simple_history_manager_attribute).model._meta.label_lower for m in tracked} == sealed


# --- append-only ------------------------------------------------------------------------------------------------


def test_every_history_table_and_the_seal_table_carry_both_triggers():
    present = installed_triggers()
    tables = append_only_tables()

    assert TABLE in tables and AuditSeal._meta.db_table in tables
    assert len(tables) > 40
    missing = [t for t in tables if len(present.get(t, ())) != 2]
    assert missing == []


@pytest.mark.parametrize("statement", [
    f'UPDATE "{TABLE}" SET last_number = 42',
    f'UPDATE "{TABLE}" SET history_change_reason = %s',
    f'DELETE FROM "{TABLE}"',
    'UPDATE "audit_auditseal" SET row_hash = %s',
    'DELETE FROM "audit_auditseal"',
])
def test_triggers_refuse_update_and_delete(numbered, statement):
    columns = ("history_id", "last_number", "history_change_reason")
    before = list(HISTORY.objects.order_by("history_id").values_list(*columns))
    seals = list(AuditSeal.objects.order_by("pk").values_list("pk", "row_hash"))

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        raw(statement, ["forged"] if "%s" in statement else [])

    assert list(HISTORY.objects.order_by("history_id").values_list(*columns)) == before
    assert list(AuditSeal.objects.order_by("pk").values_list("pk", "row_hash")) == seals


def test_the_bypass_is_local_to_its_block(numbered):
    with audit_bypass():
        raw(f'UPDATE "{TABLE}" SET last_number = 7 WHERE id = %s', [numbered.pk])

    with pytest.raises(IntegrityError), transaction.atomic():
        raw(f'UPDATE "{TABLE}" SET last_number = 8 WHERE id = %s', [numbered.pk])
    assert set(HISTORY.objects.filter(id=numbered.pk).values_list("last_number", flat=True)) == {7}


def test_no_application_code_uses_the_bypass():
    """Only the trigger module (which defines it) and tests may mention the bypass."""
    offenders = []
    for package in ("procurement", "vendors", "awards", "contracts"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "triggers.py" and path.parent.name == "audit":
                continue
            text = path.read_text()
            if "audit_bypass" in text or "flush_with_bypass" in text:
                offenders.append(str(path.relative_to(ROOT)))

    assert offenders == []


# --- audit_verify -----------------------------------------------------------------------------------------------


def test_verify_passes_on_intact_chains_and_counts_them(numbered):
    number_record(prefix="second-host", number=5)

    code, out, err = verify()

    result = verify_chains()
    assert code == 0 and err == ""
    assert result.intact and result.chains >= 2 and result.rows >= 4
    assert f"Verified {result.chains} chains, {result.rows} history rows" in out
    record("chains verified", result.chains)


def test_a_forged_row_is_named_exactly(numbered):
    number_record(prefix="bystander", number=5)  # another chain, untouched
    forged = seals_of(numbered)[1]

    with audit_bypass():
        raw(f'UPDATE "{TABLE}" SET history_change_reason = %s, last_number = 999 WHERE history_id = %s',
            ["Nothing to see here", forged.history_id])
    code, _, err = verify()

    assert code == 1
    breaks = verify_chains().breaks
    assert [(b.history_model, b.history_id, b.object_key) for b in breaks] == [
        ("procurement.historicalreferencesequence", forged.history_id, f"procurement.referencesequence:{numbered.pk}")]
    assert f"history id {forged.history_id}" in err and "changed after it was written" in err
    assert "1 broken chain(s)" in err
    record("chains verified/forgeries detected", 1)


def test_a_deleted_row_is_reported(numbered):
    victim = seals_of(numbered)[0]

    with audit_bypass():
        raw(f'DELETE FROM "{TABLE}" WHERE history_id = %s', [victim.history_id])

    breaks = verify_chains().breaks
    assert [(b.history_id, b.problem) for b in breaks] == [
        (victim.history_id, "the history row was deleted (its seal remains)")]
    record("chains verified/forgeries detected", 1)


def test_a_row_deleted_with_its_seal_is_reported_at_the_gap(numbered):
    seals = seals_of(numbered)

    with audit_bypass():
        raw(f'DELETE FROM "{TABLE}" WHERE history_id = %s', [seals[1].history_id])
        raw('DELETE FROM "audit_auditseal" WHERE id = %s', [seals[1].pk])

    breaks = verify_chains().breaks
    assert len(breaks) == 1 and breaks[0].history_id == seals[2].history_id
    assert breaks[0].problem.startswith("sequence 3 where 2 was expected")
    record("chains verified/forgeries detected", 1)


def test_a_rewritten_seal_link_is_reported(numbered):
    seals = seals_of(numbered)

    with audit_bypass():
        raw('UPDATE "audit_auditseal" SET row_hash = %s WHERE id = %s', ["f" * 64, seals[0].pk])

    breaks = verify_chains().breaks
    # the seal row's own hash no longer matches its history row: the first seal is named
    assert [(b.history_id, b.object_key) for b in breaks] == [(seals[0].history_id, seals[0].object_key)]


def test_a_row_inserted_behind_the_applications_back_is_reported(numbered):
    columns = [f.column for f in HISTORY._meta.concrete_fields if f.attname != "history_id"]
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {", ".join(columns)} FROM "{TABLE}" WHERE id = %s ORDER BY history_id LIMIT 1',
                       [numbered.pk])
        values = cursor.fetchone()
        cursor.execute(f'INSERT INTO "{TABLE}" ({", ".join(columns)}) VALUES ({", ".join(["%s"] * len(columns))})',
                       values)
    inserted = HISTORY.objects.order_by("-history_id").first()

    breaks = verify_chains().breaks
    assert [(b.history_id, b.problem) for b in breaks] == [
        (inserted.history_id, "the history row has no seal: it was added outside the application")]
    record("chains verified/forgeries detected", 1)


def test_verify_reads_in_chunks(numbered):
    for n in range(6):
        number_record(prefix=f"chunk-{n}", number=n)

    small = verify_chains(chunk=2)
    assert small.intact and small.chains == verify_chains(chunk=1000).chains >= 7


def test_rows_written_before_the_chain_existed_are_sealed_oldest_first(numbered):
    """What the seal table's migration does once for an existing database."""
    object_key = seals_of(numbered)[0].object_key
    with audit_bypass():  # before the chain there was no audit log index either
        raw('DELETE FROM "audit_auditseal" WHERE object_key = %s', [object_key])
        raw('DELETE FROM "audit_auditentry" WHERE object_key = %s', [object_key])

    assert chain.seal_unsealed() == 3
    resealed = seals_of(numbered)
    assert [s.sequence for s in resealed] == [1, 2, 3]
    assert list(HISTORY.objects.filter(id=numbered.pk).order_by("history_id").values_list("history_id", flat=True)) \
        == [s.history_id for s in resealed]
    assert verify_chains().intact


def test_a_column_added_by_a_later_migration_leaves_older_seals_intact(monkeypatch):
    """Rows sealed before a migration added a column are rechecked on the columns they were sealed with."""
    full = layout(HISTORY)
    before_migration = dataclasses.replace(full, columns=tuple(c for c in full.columns if c != "last_number"))
    original = chain.layout
    with monkeypatch.context() as patch:
        patch.setattr(chain, "layout", lambda model: before_migration if model is HISTORY else original(model))
        beat = number_record(prefix="pre-migrate", number=3)
    number_record(prefix="pre-migrate", number=4)
    old, new = seals_of(beat)

    assert "last_number" not in old.columns.split(",") and "last_number" in new.columns.split(",")
    assert verify_chains().intact
    with audit_bypass():
        raw(f'UPDATE "{TABLE}" SET history_change_reason = %s WHERE history_id = %s', ["forged", old.history_id])
    assert [b.history_id for b in verify_chains().breaks] == [old.history_id]


def test_a_sealed_column_that_disappeared_is_reported(numbered):
    first = seals_of(numbered)[0]
    with audit_bypass():
        raw('UPDATE "audit_auditseal" SET columns = columns || %s WHERE id = %s', [",retired_field", first.pk])

    breaks = verify_chains().breaks
    assert [(b.history_id, b.problem) for b in breaks] == [
        (first.history_id, "sealed column(s) retired_field no longer exist: the sealed values cannot be checked")]


# --- the memo PDF -----------------------------------------------------------------------------------------------


def test_the_approved_memo_pdf_prints_the_chain_head_it_was_approved_at(lead, business_owner, make_user,
                                                                        django_capture_on_commit_callbacks):
    from awards import services
    from awards.memo_documents import approval_chain_head
    from awards.models import DecisionMemo
    from procurement.accounts.roles import Role
    from procurement.documents.models import RenderedDocument
    from tests.factories.accounts import TEST_PASSWORD
    from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo

    approver = make_user(Role.COMMITTEE_APPROVER)
    committee(PM, approver, quorum=1)
    committee(RC, approver, quorum=1)
    committee(EC, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_record(actor=approver, memo=memo, decision="approve", comment="", password=TEST_PASSWORD)
    memo = DecisionMemo.objects.get(pk=memo.pk)
    assert memo.is_approved

    approval_row = memo.history.filter(status="approved").order_by("history_id").first()
    head = approval_chain_head(memo)
    assert head["hash"] == seal_of(approval_row).row_hash
    doc = RenderedDocument.objects.filter(kind="award_memo", status="ready").order_by("-pk").first()
    assert doc is not None, RenderedDocument.objects.values_list("status", "error")
    with doc.file.open("rb") as handle:
        text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(handle.read())).pages)

    assert head["hash"] in text.replace("\n", "").replace(" ", "")
    assert "Audit chain head at approval" in text
