"""The handoff pack rendered by a real worker (PostgreSQL, Redis, `celery worker`), downloaded and read back."""

import csv
import io
import re
import time
import zipfile
from datetime import date, timedelta

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from contracts import handoff, services
from contracts.models import ClausePosition
from procurement.documents.models import RenderedDocument
from tests.factories.contracts import held_kickoff, open_contract
from tests.factories.vendors import AttestationFactory, RiskFactory

pytestmark = pytest.mark.django_db(transaction=True)
S = RenderedDocument.Status




def wait_for(pk: int, *statuses: str, timeout: float = 60) -> RenderedDocument:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = RenderedDocument.objects.filter(pk=pk).first()
        if doc is not None and doc.status in statuses:
            return doc
        time.sleep(0.1)
    doc = RenderedDocument.objects.get(pk=pk)
    raise AssertionError(f"document {pk} is {doc.status}; error: {doc.error!r}")


def parse_ics(raw: bytes) -> list[dict]:
    """A small RFC 5545 reader: CRLF lines, unfolding, one dict per VEVENT (property name -> (params, value))."""
    text = raw.decode("utf-8")
    assert text.endswith("\r\n"), "content lines end with CRLF"
    assert "\n" not in text.replace("\r\n", ""), "no bare LF"
    physical = text.split("\r\n")[:-1]
    for line in physical:
        assert len(line.encode("utf-8")) <= 75, f"line longer than 75 octets: {line!r}"
    lines: list[str] = []
    for line in physical:
        if line.startswith((" ", "\t")):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events, current = [], None
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name_params, value = line.split(":", 1)
            name, *params = name_params.split(";")
            current[name] = (params, value)
    for event in events:
        for required in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert required in event, f"{required} missing in {event}"
        assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"][1])
        assert event["DTSTART"][0] == ["VALUE=DATE"] and re.fullmatch(r"\d{8}", event["DTSTART"][1])
        assert not re.search(r"(?<!\\)[,;]", event["SUMMARY"][1]), "unescaped comma or semicolon"
    assert len({e["UID"][1] for e in events}) == len(events)
    return events


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_handoff_pack_rendered_by_the_worker_holds_everything(client, lead, manager, worker_storage):
    services.playbook_seed(actor=lead)  # transactional tests flush the migration's rows
    contract = open_contract(lead=lead, manager=manager)  # from an approved decision memo
    assert contract.memo.is_approved and contract.bid == contract.memo.recommended_bid
    held_kickoff(contract, lead=lead, manager=manager)
    agreed = []
    for position in list(contract.clauses.all())[:3]:
        services.clause_set_status(actor=lead, position=position, status=ClausePosition.Status.AGREED,
                                   agreed_summary=f"Agreed wording for {position.title}")
        agreed.append(position.title)
    RiskFactory(vendor=contract.vendor, title="Usage-based cost overrun", owner=manager)
    AttestationFactory(vendor=contract.vendor, issuer="Example, Certification; Body")
    services.milestone_add(actor=lead, contract=contract, title="=Go-live, phase 1",
                           due_date=timezone.localdate() + timedelta(days=60), payment_amount=25000)
    services.scenario_create(actor=manager, contract=contract, kind="model_change", likelihood=4, impact=4,
                             contingency="Pin versions; 180 days' notice")

    client.force_login(lead)
    response = client.post(reverse("contracts:pack_request", args=[contract.reference]))
    assert response.status_code == 302
    doc = wait_for(RenderedDocument.objects.get(kind=handoff.KIND).pk, S.READY, S.FAILED)
    assert doc.status == S.READY, doc.error

    client.force_login(manager)
    download = client.get(reverse("contracts:pack_download", args=[contract.reference]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    ref = contract.reference
    names = set(archive.namelist())
    assert names == {f"{ref}-handoff-pack-v1.pdf", f"{ref}-obligations.csv", f"{ref}-risks.csv", f"{ref}-raci.csv",
                     f"{ref}-clause-feedback.csv", f"{ref}-milestones.csv", f"{ref}-key-dates.ics"}

    reader = pypdf.PdfReader(io.BytesIO(archive.read(f"{ref}-handoff-pack-v1.pdf")))
    flat = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    for _key, heading in handoff.SECTIONS:
        assert heading in flat, heading
    for title in agreed:
        assert title in flat and f"Agreed wording for {title}" in flat
    for activity in contract.raci_activities.all():
        assert activity.name in flat
    assert "Usage-based cost overrun" in flat

    def rows(name):
        return list(csv.reader(io.StringIO(archive.read(f"{ref}-{name}.csv").decode("utf-8-sig"))))

    obligations = rows("obligations")
    assert obligations[0][0] == "Obligation" and {r[0] for r in obligations[1:]} == set(agreed)
    assert any(r[0] == "Usage-based cost overrun" for r in rows("risks"))
    raci = rows("raci")
    assert len(raci) == 1 + contract.raci_activities.count()
    assert all(sum(1 for cell in r[1:] if cell == "A") == 1 for r in raci[1:])
    assert rows("milestones")[1][0] == "'=Go-live, phase 1"  # formula neutralised

    events = parse_ics(archive.read(f"{ref}-key-dates.ics"))
    summaries = [unescape(e["SUMMARY"][1]) for e in events]
    starts = {date(int(v[:4]), int(v[4:6]), int(v[6:])) for v in (e["DTSTART"][1] for e in events)}
    assert contract.notice_date in starts and contract.end_date in starts
    assert any("Example, Certification; Body" in s for s in summaries)
    assert any("=Go-live, phase 1" in s for s in summaries)

    # Rendered while clauses are still being negotiated, the pack is a draft: it cannot be acknowledged yet
    # (issue 17, finding 12). Once every clause is settled, the new version is rendered and acknowledged.
    assert "draft" in flat.lower()
    refused = client.post(reverse("contracts:pack_acknowledge", args=[ref]))
    assert refused.status_code == 409
    assert "still being negotiated" in refused.content.decode()
    assert not contract.pack_receipts.exists()
    for position in contract.clauses.exclude(status=ClausePosition.Status.AGREED):
        services.clause_set_status(actor=lead, position=position, status=ClausePosition.Status.AGREED,
                                   agreed_summary=f"Agreed wording for {position.title}")
    client.force_login(lead)
    assert client.post(reverse("contracts:pack_request", args=[ref])).status_code == 302
    final = wait_for(RenderedDocument.objects.filter(kind=handoff.KIND).order_by("-pk").first().pk, S.READY, S.FAILED)
    assert final.status == S.READY and final.pk != doc.pk, final.error
    client.force_login(manager)
    ack = client.post(reverse("contracts:pack_acknowledge", args=[ref]))
    assert ack.status_code == 302
    assert contract.pack_receipts.get().document == final
