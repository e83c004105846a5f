"""The audit log index (issue 18): one entry per sealed history row, written with the seal in the same
transaction, read by the auditor's log in one query a page, and checked by `audit_verify` against the chain."""
# ruff: noqa: S608 - the raw SQL forges rows on purpose; table names come from model metadata, values are bound.

import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement.audit import chain
from procurement.audit.history import attribute
from procurement.audit.index import COMPARED, fill_missing
from procurement.audit.log import Cursor, entries, log_page
from procurement.audit.models import AuditEntry, AuditSeal
from procurement.audit.triggers import audit_bypass
from procurement.models import ReferenceSequence

pytestmark = pytest.mark.django_db
HISTORY = ReferenceSequence.history.model


def number_record(*, prefix: str, number: int, actor=None, reason: str = "Number taken") -> ReferenceSequence:
    """Record `number` as the last one taken under `prefix`: one history row (and seal, and entry) per call."""
    sequence = (ReferenceSequence.objects.filter(prefix=prefix, year=2026).first()
                or ReferenceSequence(prefix=prefix, year=2026))
    sequence.last_number = number
    attribute(sequence, actor=actor, reason=reason)
    sequence.save()
    return sequence


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def entry_rows() -> list[tuple]:
    """Every entry's compared fields, in seal order (ids left out: a refill numbers entries anew)."""
    return list(AuditEntry.objects.order_by("seal_id").values_list("seal_id", "link_label", *COMPARED))


def verify() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, err.getvalue() + str(exc)
    return 0, out.getvalue()


# --- filled with the seal ---------------------------------------------------------------------------------------


def test_each_seal_gets_one_entry_that_reads_like_the_log(lead):
    numbered = number_record(prefix="idx", number=1)
    number_record(prefix="idx", number=2, actor=lead, reason="Second number")

    seals = list(AuditSeal.objects.filter(object_key=f"procurement.referencesequence:{numbered.pk}")
                 .order_by("sequence"))
    found = {e.seal_id: e for e in AuditEntry.objects.filter(seal_id__in=[s.pk for s in seals])}
    history = {h.history_id: h for h in HISTORY.objects.filter(id=numbered.pk)}

    assert len(seals) == 2 and set(found) == {s.pk for s in seals}
    for seal in seals:
        entry, row = found[seal.pk], history[seal.history_id]
        assert (entry.history_model, entry.history_id, entry.object_key, entry.sequence, entry.row_hash) == (
            seal.history_model, seal.history_id, seal.object_key, seal.sequence, seal.row_hash)
        assert (entry.model_label, entry.object_id, entry.history_date, entry.history_type, entry.reason,
                entry.actor_id) == ("procurement.referencesequence", str(numbered.pk), row.history_date,
                                    row.history_type, row.history_change_reason, row.history_user_id)
    assert [found[s.pk].actor_id for s in seals] == [None, lead.pk]
    assert [found[s.pk].history_type for s in seals] == ["+", "~"]


def test_a_rolled_back_change_leaves_no_entry():
    before = (HISTORY.objects.count(), AuditSeal.objects.count(), AuditEntry.objects.count())

    with pytest.raises(RuntimeError), transaction.atomic():
        number_record(prefix="rolled", number=1)
        assert AuditEntry.objects.count() == before[2] + 1  # written inside the transaction...
        raise RuntimeError("fail after the write")

    # ...and gone with it, together with the history row and the seal
    assert (HISTORY.objects.count(), AuditSeal.objects.count(), AuditEntry.objects.count()) == before


def _value(field: models.Field, n: int):
    """A storable value for one column of a history table (foreign keys there carry no database constraint)."""
    if field.is_relation:
        return n
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DecimalField):
        return Decimal("1")
    if isinstance(field, (models.IntegerField, models.FloatField)):
        return n
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, models.DurationField):
        return timedelta(days=1)
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b"x"
    return f"Index test {n}"[:field.max_length or 100]


@pytest.mark.parametrize("history_label", [m._meta.label_lower for m in chain.history_models()])
def test_every_audited_model_is_indexed_as_the_log_shows_it(history_label):
    """Every history table of the registry: a row sealed through the same receiver simple-history fires gets
    its entry, with the record's name and the history page the log links it to."""
    from procurement.audit.index import describe

    history = chain.history_models()[[m._meta.label_lower for m in chain.history_models()].index(history_label)]
    spec, how = chain.layout(history), describe(history_label)
    values = {}
    for field in history._meta.concrete_fields:
        if field.attname == "history_id" or (field.null and field.attname not in {how.link_field, how.name_field}):
            continue
        values[field.attname] = _value(field, 4242)
    values.update(history_type="~", history_date=timezone.now(), history_change_reason="Indexed")
    row = history._base_manager.create(**values)

    chain.on_history_row_created(sender=history, history_instance=row)

    entry = AuditEntry.objects.get(history_model=history_label, history_id=row.pk)
    seal = AuditSeal.objects.get(pk=entry.seal_id)
    assert (entry.object_key, entry.sequence, entry.row_hash) == (seal.object_key, seal.sequence, seal.row_hash)
    assert entry.model_label == spec.object_label and entry.object_id == str(values[spec.pk_attname])
    assert (entry.history_type, entry.reason) == ("~", "Indexed")
    assert entry.name == (str(values[how.name_field])[:80] if how.name_field else "")
    if how.link_field:
        assert (entry.link_label, entry.link_pk) == (how.link_label, int(values[how.link_field]))
    assert chain.verify_chains().intact


def test_seals_written_in_bulk_get_their_entries(lead):
    """The benchmark's seed writes history with bulk_create_with_history and the seals with
    AuditSeal.objects.bulk_create (tests.bench.seed._seal): the seal manager writes the entries."""
    from simple_history.utils import bulk_create_with_history

    from tests.bench.seed import _seal

    rows = [ReferenceSequence(prefix=f"bulk{n}", year=2026, last_number=n) for n in range(5)]
    created = bulk_create_with_history(rows, ReferenceSequence, default_user=lead, default_change_reason="Bulk")
    _seal(ReferenceSequence, created)

    keys = [f"procurement.referencesequence:{r.pk}" for r in created]
    indexed = AuditEntry.objects.filter(object_key__in=keys)
    assert indexed.count() == 5 == AuditSeal.objects.filter(object_key__in=keys).count()
    assert set(indexed.values_list("actor_id", "reason", "history_type")) == {(lead.pk, "Bulk", "+")}
    assert chain.verify_chains().intact


# --- append-only ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    'UPDATE "audit_auditentry" SET reason = %s',
    'UPDATE "audit_auditentry" SET actor_id = NULL',
    'DELETE FROM "audit_auditentry"',
])
def test_entries_cannot_be_changed_or_deleted(statement):
    number_record(prefix="guarded", number=1)
    before = entry_rows()

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        raw(statement, ["forged"] if "%s" in statement else [])

    assert entry_rows() == before


def test_entries_are_not_in_the_admin():
    from django.contrib import admin

    assert AuditEntry not in admin.site._registry


# --- backfill ---------------------------------------------------------------------------------------------------


def test_the_backfill_writes_the_same_entries_again(lead):
    for n in range(3):
        number_record(prefix="backfill", number=n, actor=lead if n else None, reason=f"Backfill {n}")
    expected = entry_rows()
    assert len(expected) >= 3
    with audit_bypass():
        raw('DELETE FROM "audit_auditentry"')

    assert fill_missing(batch=2) == len(expected)
    assert entry_rows() == expected
    assert fill_missing() == 0  # nothing left to fill
    assert chain.verify_chains().intact


def test_the_backfill_runs_on_the_migration_state(lead):
    """What migration audit 0002 does: the same fill through the migration's state models."""
    number_record(prefix="state", number=1, actor=lead)
    expected = entry_rows()
    with audit_bypass():
        raw('DELETE FROM "audit_auditentry"')
    state = MigrationLoader(connection).project_state().apps

    assert fill_missing(state, batch=1) == len(expected)
    assert entry_rows() == expected


# --- audit_verify checks the index ------------------------------------------------------------------------------


def _one_entry():
    numbered = number_record(prefix="verify", number=1)
    number_record(prefix="verify", number=2)
    number_record(prefix="bystander", number=1)
    return AuditEntry.objects.filter(object_key=f"procurement.referencesequence:{numbered.pk}").order_by("sequence")


def test_verify_passes_with_the_index_intact():
    _one_entry()

    result = chain.verify_chains()
    assert result.intact and result.index_entries == AuditEntry.objects.count() == AuditSeal.objects.count()
    assert verify()[0] == 0


def test_a_missing_entry_is_reported():
    entry = _one_entry().first()
    with audit_bypass():
        raw('DELETE FROM "audit_auditentry" WHERE id = %s', [entry.pk])

    breaks = chain.verify_chains().breaks
    assert [(b.history_id, b.object_key) for b in breaks] == [(entry.history_id, entry.object_key)]
    assert breaks[0].problem.startswith("audit log index: this seal has no entry")
    code, err = verify()
    assert code == 1 and f"history id {entry.history_id}" in err and "has no entry" in err


@pytest.mark.parametrize(("column", "value"), [
    ("reason", "Nothing to see here"),
    ("actor_id", 987654),
    ("history_date", "2020-01-01 00:00:00"),
    ("history_type", "-"),
    ("name", "Someone else"),
    ("object_id", "424242"),
    ("row_hash", "f" * 64),
    ("sequence", 9),
    ("link_pk", 5),
])
def test_a_forged_entry_is_reported(column, value):
    entry = _one_entry().last()
    with audit_bypass():
        raw(f'UPDATE "audit_auditentry" SET "{column}" = %s WHERE id = %s', [value, entry.pk])

    breaks = chain.verify_chains().breaks
    assert [(b.history_id, b.object_key) for b in breaks] == [(entry.history_id, entry.object_key)]
    assert breaks[0].problem == (f"audit log index: the entry differs from its seal and history row ({column}): "
                                 "it was changed after it was written")
    assert verify()[0] == 1


def test_an_entry_without_a_seal_is_reported():
    """An entry added behind the application's back (or left behind by a seal cut from a chain's tail)."""
    entry = _one_entry().last()
    forged = {f: getattr(entry, f) for f in (
        "history_model", "sequence", "row_hash", "model_label", "history_date", "history_type", "reason",
        "actor_id", "name", "name_field", "link_label", "link_pk", "link_field")}
    AuditEntry.objects.create(**forged, seal_id=10**9, history_id=10**9, object_id="999999",
                              object_key="procurement.referencesequence:999999")

    breaks = chain.verify_chains().breaks
    assert [(b.history_id, b.object_key, b.problem) for b in breaks] == [
        (10**9, "procurement.referencesequence:999999",
         "audit log index: an entry (sequence 2) has no seal: the seal was removed, or the entry was added "
         "outside the application")]
    assert verify()[0] == 1


def test_a_tail_seal_cut_with_its_row_is_caught_by_the_entry_left_behind():
    entry = _one_entry().last()
    with audit_bypass():
        raw(f'DELETE FROM "{HISTORY._meta.db_table}" WHERE history_id = %s', [entry.history_id])
        raw('DELETE FROM "audit_auditseal" WHERE id = %s', [entry.seal_id])

    breaks = chain.verify_chains().breaks
    assert [(b.history_id, b.object_key) for b in breaks] == [(entry.history_id, entry.object_key)]
    assert breaks[0].problem.startswith("audit log index: an entry (sequence 2) has no seal")


# --- the log: one query a page, filters, keyset pagination --------------------------------------------------------


def _rows_query_count(**kwargs) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        page = log_page(size=20, **kwargs)
    return len(captured), len(page.rows)


def test_a_page_is_one_query_at_any_size(lead):
    number_record(prefix="size", number=0)
    small = _rows_query_count()
    for n in range(60):
        number_record(prefix=f"size{n % 7}", number=n, actor=lead)
    large = _rows_query_count()
    older = log_page(size=20).older
    deeper = _rows_query_count(older_than=older)

    assert small[0] == large[0] == deeper[0] == 1
    assert large[1] == deeper[1] == 20


def test_the_log_page_reads_only_the_index(client, auditor, lead):
    client.force_login(auditor)
    for n in range(5):
        number_record(prefix="view", number=n, actor=lead)
    client.get("/audit/")  # warm caches

    def page_queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/audit/")
        assert response.status_code == 200
        return [q["sql"] for q in captured]

    few = page_queries()
    for n in range(80):
        number_record(prefix=f"view{n % 9}", number=n, actor=lead)
    many = page_queries()

    assert len(few) == len(many)
    assert sum("audit_auditentry" in sql for sql in many) == 1
    assert not any('"procurement_historical' in sql or '"vendors_historical' in sql for sql in many)


def _walk(size: int, **filters) -> tuple[list[int], list[int]]:
    """Every entry id, older page by older page, then back again newer page by newer page."""
    pages, cursor = [], None
    while True:
        page = log_page(size=size, older_than=cursor, **filters)
        pages.append([row.entry_id for row in page.rows])
        if page.older is None:
            break
        cursor = page.older
    back, page = [pages[-1]], log_page(size=size, older_than=cursor, **filters)
    while page.newer is not None:
        page = log_page(size=size, newer_than=page.newer, **filters)
        back.append([row.entry_id for row in page.rows])
    return [i for p in pages for i in p], [i for p in reversed(back) for i in p]


def test_pages_cover_every_row_once_in_both_directions(lead):
    stamp = timezone.now() - timedelta(days=3)
    with time_machine.travel(stamp, tick=False):  # many rows sharing one history_date: ties broken by id
        for n in range(9):
            number_record(prefix=f"tie{n}", number=n)
    for n in range(14):
        number_record(prefix=f"walk{n % 4}", number=n, actor=lead)
    everything = list(entries().values_list("id", flat=True))

    forward, backward = _walk(4)

    assert forward == everything and backward == everything and len(set(forward)) == len(everything) >= 23
    ids = list(entries(model_label="procurement.referencesequence").values_list("id", flat=True))
    assert _walk(5, model_label="procurement.referencesequence") == (ids, ids)


def test_the_view_pages_with_cursors(client, auditor, lead, monkeypatch):
    from procurement.audit import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for n in range(8):
        number_record(prefix="pages", number=n, actor=lead, reason=f"Step {n}")
    client.force_login(auditor)
    query = {"object_type": "procurement.referencesequence", "user": lead.pk}

    seen, response = [], client.get("/audit/", query)
    while True:
        seen += [row.reason for row in response.context["rows"]]
        if response.context["older"] is None:
            break
        assert f'older={response.context["older"]}' in response.content.decode()
        response = client.get("/audit/", {**query, "older": str(response.context["older"])})
    newer = client.get("/audit/", {**query, "newer": str(response.context["newer"])})

    assert seen == [f"Step {n}" for n in range(7, -1, -1)]
    assert [row.reason for row in newer.context["rows"]] == seen[-5:-2]
    assert client.get("/audit/", {"older": "not-a-cursor"}).status_code == 200  # a hand-edited link: newest page


def test_the_cursor_round_trips():
    now = timezone.now()
    cursor = Cursor(now, 42)

    assert Cursor.parse(str(cursor)) == cursor
    assert Cursor.parse("") is None and Cursor.parse("12-x") is None and Cursor.parse("-3") is None


def test_filters_by_person_kind_record_and_dates(client, auditor, lead, make_user):
    other = make_user()
    assert not HISTORY.objects.exists()  # the rows below are all the kind holds
    first = number_record(prefix="filt-a", number=1, actor=lead, reason="Lead took one")
    number_record(prefix="filt-b", number=1, actor=other, reason="Other took one")
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        number_record(prefix="filt-a", number=2, actor=lead, reason="Long ago")
    today = timezone.localdate()
    client.force_login(auditor)

    def reasons(**params) -> set[str]:
        response = client.get("/audit/", params)
        assert response.status_code == 200
        return {row.reason for row in response.context["rows"]}

    kind = "procurement.referencesequence"
    assert reasons(user=lead.pk, object_type=kind) == {"Lead took one", "Long ago"}
    assert reasons(user=other.pk) == {"Other took one"}
    assert reasons(object_type=kind, object_id=first.pk) == {"Lead took one", "Long ago"}
    assert reasons(object_type=kind, date_from=(today - timedelta(days=1)).isoformat()) == {
        "Lead took one", "Other took one"}
    assert reasons(object_type=kind, date_to=(today - timedelta(days=30)).isoformat()) == {"Long ago"}
    assert reasons(object_type="vendors.vendor") == set()
    # a record id needs its kind: ids repeat across kinds
    response = client.get("/audit/", {"object_id": first.pk})
    assert response.context["rows"] == [] and "Choose the kind of record too" in response.content.decode()


def test_the_csv_export_reads_the_index(client, auditor, lead):
    for n in range(3):
        number_record(prefix="csv", number=n, actor=lead, reason=f"Export {n}")
    client.force_login(auditor)

    with CaptureQueriesContext(connection) as captured:
        body = b"".join(client.get("/audit/export.csv", {"object_type": "procurement.referencesequence"})
                        .streaming_content).decode()

    lines = body.splitlines()
    assert lines[0] == "when,who,action,kind,record id,record,reason"
    assert [line.rsplit(",", 1)[1] for line in lines[1:]] == ["Export 2", "Export 1", "Export 0"]
    assert sum("audit_auditentry" in q["sql"] for q in captured) == 1
