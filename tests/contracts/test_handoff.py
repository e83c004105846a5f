"""The handoff pack: what it holds, staleness after a change, acknowledgement, the data files."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from contracts import handoff, selectors, services
from procurement.documents.models import RenderedDocument
from procurement.documents.services import document_render
from procurement.exceptions import InvalidTransition
from tests.factories.contracts import held_kickoff, open_contract
from tests.factories.vendors import AttestationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_pack(lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    held_kickoff(contract, lead=lead, manager=manager)
    for clause in contract.clauses.all():  # a pack is acknowledged only once every clause is settled
        services.clause_set_status(actor=lead, position=clause, status="agreed", agreed_summary="As drafted")
    doc = services.pack_request(actor=manager, contract=contract)
    document_render(document_id=doc.pk)
    doc.refresh_from_db()
    assert doc.status == RenderedDocument.Status.READY
    return contract, doc


def test_editing_the_contract_marks_the_pack_stale(ready_pack, lead):
    contract, doc = ready_pack
    assert not selectors.pack_state(contract)["stale"]
    services.contract_update(actor=lead, contract=contract, notice_period_days=120, reason="Longer notice")
    state = selectors.pack_state(contract)
    assert state["stale"] and not state["can_acknowledge"]
    new = services.pack_request(actor=lead, contract=contract)
    assert new.version == 2
    doc.refresh_from_db()
    assert doc.status == RenderedDocument.Status.STALE


@pytest.mark.parametrize("change", ["clause", "feedback", "risk", "raci", "checklist"])
def test_changes_to_what_the_pack_shows_change_its_hash(ready_pack, lead, manager, change):
    from tests.factories.vendors import RiskFactory

    contract, doc = ready_pack
    clause = contract.clauses.first()
    if change == "clause":
        services.clause_position_update(actor=lead, position=clause, vendor_position="Wants 30 days")
    elif change == "feedback":
        services.feedback_add(actor=manager, position=clause, topic="other", body="Hmm")
    elif change == "risk":
        RiskFactory(vendor=contract.vendor)
    elif change == "raci":
        activity = contract.raci_activities.first()
        services.raci_save(actor=lead, contract=contract, grid={activity.pk: {"legal_counsel": "I"}})
    else:
        services.checklist_item_update(actor=manager, item=contract.checklist.first(), done_on=timezone.localdate())
    assert selectors.pack_state(contract)["stale"]


def test_the_post_award_manager_acknowledges_the_current_pack(ready_pack, lead, manager):
    contract, doc = ready_pack
    with pytest.raises(PermissionDenied):
        services.pack_acknowledge(actor=lead, contract=contract, document=doc)
    receipt = services.pack_acknowledge(actor=manager, contract=contract, document=doc)
    assert receipt.version == doc.version and receipt.sha256 == doc.sha256
    assert receipt.history.first().history_user == manager
    assert selectors.pack_state(contract)["acknowledged"] == receipt


def test_a_stale_pack_cannot_be_acknowledged(ready_pack, lead, manager):
    contract, doc = ready_pack
    services.contract_update(actor=lead, contract=contract, title="Renamed", reason="Renamed")
    with pytest.raises(InvalidTransition, match="changed after"):
        services.pack_acknowledge(actor=manager, contract=contract, document=doc)


def test_the_zip_holds_the_pdf_the_csv_files_and_the_calendar(ready_pack):
    contract, doc = ready_pack
    with doc.file.open("rb") as handle:
        names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
    ref = contract.reference
    assert f"{ref}-handoff-pack-v1.pdf" in names
    for stem in ("obligations", "risks", "raci", "milestones"):
        assert f"{ref}-{stem}.csv" in names
    assert f"{ref}-key-dates.ics" in names


def test_context_has_every_section_and_does_not_depend_on_the_day(lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    context = handoff.handoff_context(contract)
    assert [key for key, _ in context["sections"]] == [key for key, _ in handoff.SECTIONS]
    assert handoff.HANDOFF_PACK.hash_source(contract) == handoff.HANDOFF_PACK.hash_source(contract)


def test_csv_cells_that_look_like_formulas_are_neutralised():
    data = handoff.to_csv(["a", "b"], [["=HYPERLINK(\"x\")", "+1"], ["-2", "@SUM(A1)"], ["plain", "ok"]])
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text and "'-2" in text and "'@SUM" in text
    assert "\r\nplain,ok\r\n" in text


def test_ics_is_valid_rfc5545(lead, manager):
    contract = open_contract(lead=lead, manager=manager, renewal="x")
    AttestationFactory(vendor=contract.vendor, issuer="Audit, Firm; Ltd")
    services.milestone_add(actor=lead, contract=contract, title="Go-live, phase 1; with a very long title "
                           "that certainly needs folding because it is longer than seventy-five octets",
                           due_date=timezone.localdate() + datetime.timedelta(days=30), payment_amount=1000)
    context = handoff.handoff_context(contract)
    raw = handoff.to_ics(context)
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    text = raw.decode()
    unfolded = text.replace("\r\n ", "")
    assert "Audit\\, Firm\\; Ltd" in unfolded
    assert unfolded.count("BEGIN:VEVENT") == 5  # start, notice, renewal, one attestation, one milestone
    assert unfolded.count("DTSTAMP:") == 5 and unfolded.count("UID:") == 5
    notice = contract.end_date - datetime.timedelta(days=contract.notice_period_days)
    assert f"DTSTART;VALUE=DATE:{notice:%Y%m%d}" in unfolded
