"""Sealed bids stay sealed until the opening (issue 20, done-when): the proof.

Three bidders seal proposal files and price schedules whose text carries unique random markers. Before
proposals-due, every staff identity (the procedure's lead, its assigned evaluator, a committee approver, a
post-award manager, its business owner, an auditor and a superuser) asks every internal page that can be built
for the procedure, its bids, its vendors and its sealed records — exports, downloads, audit pages, the admin
screens of every sealed model — and the API with their own bearer token, and searches for the markers. No
answer may hold a marker, a plaintext, or a plaintext in base64; unzipped (XLSX) and text-extracted (PDF) bodies
are searched too. Neither may the database (every column of every table), the file storage, nor the e-mails.

Then proposals-due passes (the stored date is moved back, as tests/factories/timeline does), the lead opens the
bids with two witnesses, and: the opening record lists every bid with its receipt time and the hashes on the
bidders' receipts; every opened file read back from storage has the sha256 on the receipt and in the record; and
the markers are now readable to the lead.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from awards import services
from awards.models import (
    BidOpening,
    OpeningEntry,
    OpeningWitness,
    PriceLine,
    ProposalDocument,
    SealedItem,
    SealedSubmission,
    SealingKey,
)
from awards.services.opening import bid_opening_start, opening_witness_confirm, record_hash_of
from awards.services.sealed import (
    sealed_document_add,
    sealed_document_replace,
    sealed_price_schedule_save,
    sealed_submit,
)
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.portal import bidder_for
from tests.factories.timeline import age_timeline
from tests.factories.vendors import VendorFactory
from tests.security.figures import record
from tests.security.portal_world import portal_rfp
from tests.security.test_url_matrix import _api_token, walk
from vendors.models import Tier

BACKEND = "django.contrib.auth.backends.ModelBackend"
SEALED_MODELS = ("sealingkey", "sealedsubmission", "sealeditem", "bidopening", "openingwitness", "openingentry")
# URL namespaces whose pages can relate to a procedure, its bids or its vendors (the contracts app only through
# its OCDS publication pages, keyed by the procedure); the portal is asked by the bidders themselves elsewhere
SPACES = ("", "awards", "vendors", "audit", "documents", "notifications", "api")


@dataclass
class Sealed:
    procedure: object
    people: dict  # identity -> staff user
    bidders: list
    bids: list
    markers: list = field(default_factory=list)  # strings that exist only inside sealed plaintexts
    plaintexts: list = field(default_factory=list)  # the exact bytes sealed
    doc_markers: dict = field(default_factory=dict)  # bid pk -> the marker in its live proposal file
    price_markers: dict = field(default_factory=dict)  # bid pk -> the marker in its price schedule
    receipts: dict = field(default_factory=dict)  # bid pk -> the sha256s the bidder's receipt page showed


def _marker(kind: str) -> str:
    return f"SEALED{kind.upper()}{secrets.token_hex(12)}"


def _proposal(world: Sealed, name: str) -> tuple[SimpleUploadedFile, str]:
    marker = _marker("doc")
    body = (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% Technical proposal\n"
            + f"BT /F1 12 Tf ({marker}: our answer accuracy is 97 per cent) Tj ET\n".encode()
            + b"trailer << /Root 1 0 R >>\n%%EOF\n")
    world.markers.append(marker)
    world.plaintexts.append(body)
    return SimpleUploadedFile(name, body, content_type="application/pdf"), marker


def build(django_capture_on_commit_callbacks) -> Sealed:
    """A portal procedure with three sealed, submitted bids (one replaced its file before submitting), every
    e-mail and task of the set-up run as after each commit."""
    with django_capture_on_commit_callbacks(execute=True):
        lead = UserFactory(username="secrecy-lead", roles=[Role.PROCUREMENT_LEAD])
        owner = UserFactory(username="secrecy-owner", roles=[Role.BUSINESS_OWNER])
        evaluator = UserFactory(username="secrecy-evaluator", roles=[Role.EVALUATOR])
        vendors = [VendorFactory(legal_name=f"{name} Ltd", trading_name=name, tier=Tier.LOW, owner=lead)
                   for name in ("Nimbus Models", "Stratus Speech", "Cirrus Vision")]
        procedure, bids = portal_rfp(lead=lead, owner=owner, title="Sealed support assistant", vendors=vendors)
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
        people = {
            "lead": lead, "evaluator": evaluator, "owner": owner,
            "approver": UserFactory(username="secrecy-approver", roles=[Role.COMMITTEE_APPROVER]),
            "manager": UserFactory(username="secrecy-manager", roles=[Role.POST_AWARD_MANAGER]),
            "auditor": UserFactory(username="secrecy-auditor", roles=[Role.AUDITOR]),
            "superuser": UserFactory(username="secrecy-admin", is_staff=True, is_superuser=True),
            "other_lead": UserFactory(username="secrecy-other-lead", roles=[Role.PROCUREMENT_LEAD]),
        }
        world = Sealed(procedure=procedure, people=people, bidders=[], bids=bids)
        for number, bid in enumerate(bids):
            bidder = bidder_for(bid, username=f"secrecy-bidder-{number}")
            world.bidders.append(bidder)
            title = _marker("title")
            world.markers.append(title)
            upload, marker = _proposal(world, f"proposal-{number}.pdf")
            item = sealed_document_add(actor=bidder, bid=bid, title=title, upload=upload)
            if number == 2:  # replaced before submitting: the first file stays sealed and is never opened
                upload, marker = _proposal(world, f"proposal-{number}-v2.pdf")
                sealed_document_replace(actor=bidder, item=item, title=title, upload=upload)
            world.doc_markers[bid.pk] = marker
            price = _marker("price")
            world.markers.append(price)
            world.price_markers[bid.pk] = price
            schedule = sealed_price_schedule_save(actor=bidder, bid=bid, schedule={
                "currency": "EUR", "lines": [
                    {"kind": "one_off", "label": price, "amount": f"{10000 + 1234 * number}"},
                    {"kind": "recurring", "label": "Platform fee", "amount": "2500", "period": "month"}]})
            with schedule.blob.open("rb") as handle:
                assert price.encode() not in handle.read()
            sealed_submit(actor=bidder, bid=bid)
    return world


# --- reading every answer --------------------------------------------------------------------------------------

def bodies(response) -> list[bytes]:
    """The response body, and what an XLSX (zip) or a PDF holds once unpacked."""
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    found = [body]
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            found += [archive.read(name) for name in archive.namelist()]
    if body[:5] == b"%PDF-":
        from pypdf import PdfReader

        with contextlib.suppress(Exception):  # a PDF the reader cannot parse is still searched as raw bytes
            found.append("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages).encode())
    return found


def forbidden(world: Sealed) -> list[bytes]:
    """Every byte string that would show a sealed bid's content: markers, plaintexts, plaintexts in base64."""
    found = [marker.encode() for marker in world.markers]
    found += world.plaintexts + [base64.b64encode(text) for text in world.plaintexts]
    return found


def leaks_in(chunks: list[bytes], world: Sealed) -> list[str]:
    bad = forbidden(world)
    return [needle[:40].decode("ascii", "replace") for needle in bad if any(needle in chunk for chunk in chunks)]


def _candidates(world: Sealed) -> dict:
    procedure = world.procedure
    bids = [bid.pk for bid in world.bids]
    submissions = list(SealedSubmission.objects.filter(bid__procedure=procedure).values_list("pk", flat=True))
    items = list(SealedItem.objects.filter(submission__bid__procedure=procedure).values_list("pk", flat=True))
    ints = sorted(set(bids) | set(submissions) | set(items)
                  | set(SealingKey.objects.filter(procedure=procedure).values_list("pk", flat=True)))
    return {"bids": bids, "vendors": [bid.vendor_id for bid in world.bids], "ints": ints,
            "labels": [f"awards.{model}" for model in SEALED_MODELS] + ["awards.bid", "awards.awardprocedure"]}


def _fill(route: str, pattern: URLPattern, name: str, c: dict, world: Sealed) -> list[dict] | None:
    """Every kwargs this pattern can be asked with about the procedure, or None when a parameter cannot be filled
    from it."""
    combos = [{}]
    for param, converter in pattern.pattern.converters.items():
        if param == "reference":
            values = [world.procedure.reference]
        elif param == "bid_id" or f"bids/<int:{param}>" in route:
            values = c["bids"]
        elif param == "vendor_id" or (name.startswith("vendors:") and param == "pk"):
            values = c["vendors"]
        elif param == "label":
            values = c["labels"]
        elif param == "fmt":
            values = ["csv", "json", "xlsx", "pdf"]
        elif isinstance(converter, IntConverter):
            values = c["ints"]
        else:
            return None
        combos = [{**combo, param: value} for combo in combos for value in values]
    return combos


def internal_addresses(world: Sealed) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, path) of every internal GET that can be built for the procedure; and the names that cannot."""
    c = _candidates(world)
    found, unfilled = [], []
    for name, route, pattern in walk():
        space = name.split(":", 1)[0] if name and ":" in name else ""
        if not name or name.startswith(("admin:", "portal:")):
            continue
        if space not in SPACES and not name.startswith("contracts:ocds"):
            continue
        combos = _fill(route, pattern, name, c, world)
        if combos is None:
            unfilled.append(name)
            continue
        for kwargs in combos:
            found.append((name, reverse(name, kwargs=kwargs)))
    for marker in world.markers:  # searches for the start of each marker: a hit would show it whole (the page
        # echoes only the query)
        found.append(("search", f"{reverse('search')}?q={marker[:-6]}"))
        found.append(("audit:log", f"{reverse('audit:log')}?q={marker[:-6]}"))
    return found, unfilled


def admin_addresses(world: Sealed) -> list[str]:
    """The admin's list, change and history screens of every sealed model (registered or not) for every sealed
    row, and of the procedure and its bids."""
    from django.contrib import admin

    paths = [f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry]
    rows = {"awardprocedure": [world.procedure.pk], "bid": [bid.pk for bid in world.bids]}
    for model in (SealingKey, SealedSubmission, SealedItem, BidOpening, OpeningWitness, OpeningEntry):
        rows[model._meta.model_name] = list(model.objects.values_list("pk", flat=True))
        paths.append(f"/admin/awards/{model._meta.model_name}/")
    for model_name, pks in rows.items():
        for pk in pks:
            paths += [f"/admin/awards/{model_name}/{pk}/change/", f"/admin/awards/{model_name}/{pk}/history/"]
    return paths


def ask_everything(world: Sealed, half: int = 0, halves: int = 1) -> dict:
    addresses, unfilled = internal_addresses(world)
    api = [(name, path) for name, path in addresses if name.startswith("api:")]
    pages = [(name, path) for name, path in addresses if not name.startswith("api:")]
    asked, leaks, errors = 0, [], []
    for identity, person in list(world.people.items())[half::halves]:
        client = Client(raise_request_exception=False)
        client.force_login(person, backend=BACKEND)
        for name, path in pages:
            response = client.get(path)
            asked += 1
            if response.status_code >= 500:
                errors.append(f"{identity} GET {path} ({name}): {response.status_code}")
            if found := leaks_in(bodies(response), world):
                leaks.append(f"{identity} GET {path} ({name}) shows {found}")
        if identity == "superuser":
            for path in admin_addresses(world):
                response = client.get(path)
                asked += 1
                if response.status_code >= 500:
                    errors.append(f"{identity} GET {path}: {response.status_code}")
                if found := leaks_in(bodies(response), world):
                    leaks.append(f"{identity} GET {path} shows {found}")
        token = _api_token(person, "read")
        api_client = Client(raise_request_exception=False)
        for name, path in api:
            response = api_client.get(path, headers={"Authorization": f"Bearer {token}"})
            asked += 1
            if response.status_code >= 500:
                errors.append(f"{identity} API GET {path} ({name}): {response.status_code}")
            if found := leaks_in(bodies(response), world):
                leaks.append(f"{identity} API GET {path} ({name}) shows {found}")
    return {"asked": asked, "leaks": leaks, "errors": errors, "unfilled": unfilled, "pages": len(pages),
            "api": len(api)}


def database_leaks(world: Sealed) -> list[str]:
    """Every value of every column of every table, searched for the markers and the plaintexts."""
    bad = forbidden(world)
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the introspection
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, str):
                        value = value.encode()
                    elif isinstance(value, memoryview):
                        value = value.tobytes()
                    if isinstance(value, bytes) and any(needle in value for needle in bad):
                        found.append(table)
    return sorted(set(found))


def storage_leaks(world: Sealed) -> tuple[int, list[str]]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), [str(path.relative_to(root)) for path in files if leaks_in([path.read_bytes()], world)]


def mail_leaks(world: Sealed) -> list[str]:
    found = []
    for message in mail.outbox:
        chunks = [message.subject.encode(), message.body.encode()]
        chunks += [str(content).encode() for content, _ in getattr(message, "alternatives", [])]
        chunks += [a[1] if isinstance(a[1], bytes) else str(a[1]).encode()
                   for a in message.attachments if isinstance(a, tuple)]
        if leaks_in(chunks, world):
            found.append(message.subject)
    return found


def receipts_from_the_portal(world: Sealed) -> None:
    """Each bidder's sealed-bid page (their receipt) shows the sha256 of every item they submitted."""
    for bidder, bid in zip(world.bidders, world.bids, strict=True):
        client = Client()
        client.force_login(bidder, backend=BACKEND)
        page = client.get(reverse("portal:submission", args=[world.procedure.reference]))
        assert page.status_code == 200
        text = page.content.decode()
        submission = SealedSubmission.objects.get(bid=bid)
        live = list(submission.items.filter(removed_at__isnull=True))
        assert submission.status == SealedSubmission.Status.SUBMITTED and submission.receipt_hash
        assert all(item.sha256 in text for item in live), "the receipt shows every item's sha256"
        world.receipts[bid.pk] = {item.pk: item.sha256 for item in live}


# --- the tests ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
# The eight identities are asked in two halves (each with its own world), so the fast leg's two workers share the
# walk; together the halves ask every identity.
@pytest.mark.parametrize("half", [0, 1])
def test_before_proposals_due_no_identity_page_export_or_api_call_yields_a_byte_of_a_sealed_bid(
        django_capture_on_commit_callbacks, half):
    # given three sealed, submitted bids whose files and price schedules carry unique markers
    world = build(django_capture_on_commit_callbacks)
    receipts_from_the_portal(world)
    assert SealedItem.objects.filter(submission__bid__procedure=world.procedure).count() == 7  # 3 + 1 replaced + 3
    assert not ProposalDocument.objects.filter(bid__in=world.bids).exists()
    assert SealingKey.objects.get(procedure=world.procedure).released_at is None

    # when every staff identity asks every page, export, download, audit and admin screen, and the API
    result = ask_everything(world, half=half, halves=2)

    # then nothing anyone was shown holds a sealed byte, and nothing answered with a server error
    record("sealed-bid reads before the opening", result["asked"])
    record("sealed-bid reads before the opening/bytes of a sealed bid shown", len(result["leaks"]))
    assert not result["leaks"], "\n".join(result["leaks"])
    assert not result["errors"], "\n".join(result["errors"])
    assert result["pages"] > 150 and result["api"] > 5, result  # the walk found the procedure's pages and the API
    assert len(world.people) == 8
    # and neither the database, the file storage nor any e-mail holds a marker or a plaintext
    assert not database_leaks(world)
    stored, in_storage = storage_leaks(world)
    assert stored >= 7 and not in_storage, in_storage  # the seven sealed items are on disk, as ciphertext
    assert mail.outbox and not mail_leaks(world)


@pytest.mark.django_db
def test_after_the_opening_the_recorded_hashes_match_the_files_and_the_lead_reads_the_bids(
        django_capture_on_commit_callbacks):
    # given three sealed bids, the receipts their bidders were shown, and proposals-due passed
    world = build(django_capture_on_commit_callbacks)
    receipts_from_the_portal(world)
    procedure, lead, owner = world.procedure, world.people["lead"], world.people["owner"]
    lead_client = Client()
    lead_client.force_login(lead, backend=BACKEND)
    before = lead_client.get(reverse("awards:procedure_detail", args=[procedure.reference]))
    assert before.status_code == 200 and not leaks_in([before.content], world)
    today = timezone.localdate()
    age_timeline(procedure, actor=lead, rfp_issue_date=today - timedelta(days=30),
                 question_deadline=today - timedelta(days=20), proposals_due=today - timedelta(days=1),
                 demo_start=today + timedelta(days=5), demo_end=today + timedelta(days=9),
                 target_award_date=today + timedelta(days=30))

    # when the lead starts the opening with two witnesses and both confirm
    with django_capture_on_commit_callbacks(execute=True):
        opening = bid_opening_start(actor=lead, procedure=procedure, witnesses=[lead, owner])
        opening_witness_confirm(actor=lead, opening=opening)
        assert BidOpening.objects.get(pk=opening.pk).status == BidOpening.Status.WAITING  # one is not enough
        opening_witness_confirm(actor=owner, opening=opening)
    opening.refresh_from_db()

    # then the opening record lists every bid with its receipt time and the hashes of the bidder's receipt
    assert opening.status == BidOpening.Status.OPENED and opening.record_hash == record_hash_of(opening)
    assert opening.history.first().history_user == owner  # the last witness's confirmation opened the bids
    assert SealingKey.objects.get(procedure=procedure).released_at is not None
    entries = {entry.bid_id: entry for entry in OpeningEntry.objects.filter(opening=opening)}
    assert set(entries) == {bid.pk for bid in world.bids}
    for bid in world.bids:
        entry, submission = entries[bid.pk], SealedSubmission.objects.get(bid=bid)
        assert entry.outcome == OpeningEntry.Outcome.OPENED and entry.received_at == submission.submitted_at
        assert sorted(f["sha256"] for f in entry.files) == sorted(world.receipts[bid.pk].values())
        assert all(f["verified"] for f in entry.files) and not any("problem" in f for f in entry.files)
        bid.refresh_from_db()
        assert bid.submitted_at == submission.submitted_at and submission.status == SealedSubmission.Status.OPENED
    # and every proposal document read back from storage has the sha256 on the receipt and in the record
    documents = list(ProposalDocument.objects.filter(bid__in=world.bids))
    assert len(documents) == 3  # the replaced file was never opened
    for document in documents:
        with document.file.open("rb") as handle:
            stored = handle.read()
        item = SealedItem.objects.get(opened_document=document)
        assert hashlib.sha256(stored).hexdigest() == document.sha256 == item.sha256
        assert document.sha256 == world.receipts[document.bid_id][item.pk]
        assert document.sha256 in {f["sha256"] for f in entries[document.bid_id].files}
        assert world.doc_markers[document.bid_id].encode() in stored
    # and the record page shows each vendor with its receipt time and hashes
    page = lead_client.get(reverse("awards:opening_record", args=[procedure.reference]))
    assert page.status_code == 200
    for bid in world.bids:
        assert bid.vendor.legal_name in page.content.decode()
        assert all(sha in page.content.decode() for sha in world.receipts[bid.pk].values())
    # and the contents are now readable to the lead: each file through its download, each price in the record
    for document in documents:
        download = lead_client.get(reverse("awards:document_download", kwargs={
            "reference": procedure.reference, "pk": document.bid_id, "document_id": document.pk}))
        assert download.status_code == 200
        assert world.doc_markers[document.bid_id].encode() in b"".join(bodies(download))
    for bid in world.bids:  # the price schedules became the bid's price lines, which the lead's price page lists
        assert PriceLine.objects.filter(bid=bid, label=world.price_markers[bid.pk]).count() == 1
        prices = lead_client.get(reverse("awards:bid_price", args=[procedure.reference, bid.pk]))
        assert prices.status_code == 200 and world.price_markers[bid.pk] in prices.content.decode()
