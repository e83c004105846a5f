"""OCDS 1.1.5 publication on the demo: every package Baton produces validates against the standard's schema and
codelists (offline), nothing confidential is ever published, and only a lead's recorded decision publishes.

The demo is seeded once for the module (every app's demo step, as `seed_demo` runs them) and every procedure is
published by the demo lead; each test runs in a savepoint inside that world and is rolled back.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import CharField, TextField
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import AwardProcedure
from contracts.models import Publication
from contracts.ocds import builder, selectors, standard
from contracts.services.publication import publication_publish, publication_withdraw
from procurement.accounts.models import User
from procurement.contributions import collect, resolve
from procurement.exceptions import InvalidTransition
from tests.module_world import module_world
from tests.security.figures import record

pytestmark = pytest.mark.django_db
MARKER = "Conf1dentialX"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole demo, every procedure published by the demo lead; rolled back when the module is done."""
    with module_world(django_db_blocker, tmp_path_factory, "ocds-demo"):
        users: dict = {}
        for step in collect().demo:
            resolve(step.step)(users=users, stdout=io.StringIO())
        # the demo publishes its awarded procedure itself; the others are published here
        for procedure in AwardProcedure.objects.exclude(ocds_publication__status="published").order_by("reference"):
            publication_publish(actor=users["lead"], procedure=procedure, reason="Demo: open by default")
        yield users


def test_the_demo_publishes_its_awarded_procedure_by_the_leads_decision(demo):
    from awards.demo.journey import TITLE

    publication = Publication.objects.get(procedure__title=TITLE)
    assert (publication.status, publication.decided_by) == (Publication.Status.PUBLISHED, demo["lead"])
    assert publication.history.filter(history_user=demo["lead"],
                                      history_change_reason__contains="published as open contracting data").exists()


def every_package() -> list[dict]:
    procedures = selectors.procedures_for_ocds(selectors.published())
    return [builder.procedure_package(p) for p in procedures] + [builder.bulk_package(procedures)]


def test_every_ocds_package_baton_produces_for_the_demo_validates(demo, django_assert_max_num_queries):
    std = standard.load()
    with django_assert_max_num_queries(8):  # the bulk package's reads do not grow with the procedures
        bulk = builder.bulk_package(selectors.procedures_for_ocds(selectors.published()))
    packages = every_package()
    schema_errors = [e for p in packages for e in std.schema_errors(p)]
    violations = [v for p in packages for v in std.codelist_violations(p)]
    record("OCDS packages", len(packages))
    record("OCDS packages/validated", len(packages) if not schema_errors and not violations else 0)
    record("OCDS packages/codelist values checked", sum(std.checked_codes(p) for p in packages))
    record("OCDS packages/schema errors", len(schema_errors))
    record("OCDS packages/codelist violations", len(violations))
    assert schema_errors == [] and violations == []
    assert len(packages) == AwardProcedure.objects.count() + 1 >= 3
    # The demo reaches every stage: the bulk package holds a release of each, with parties in each role.
    tags = {tag for release in bulk["releases"] for tag in release["tag"]}
    assert {"tender", "award", "contract", "implementation"} <= tags
    roles = {role for release in bulk["releases"] for party in release["parties"] for role in party["roles"]}
    assert {"buyer", "procuringEntity", "tenderer", "supplier", "payer", "payee"} <= roles
    ids = [release["id"] for release in bulk["releases"]]
    assert len(ids) == len(set(ids))


def test_the_awarded_procedure_reads_as_its_records(demo, settings):
    settings.BATON_OCDS_OCID_PREFIX = "ocds-abc123"
    contract = next(c for p in selectors.procedures_for_ocds(selectors.published()) for c in p.ocds_contracts)
    procedure = contract.procedure
    memo = procedure.memo
    package = builder.procedure_package(selectors.published_procedure(procedure.reference))
    stages = {release["tag"][0]: release for release in package["releases"]}
    assert {r["ocid"] for r in package["releases"]} == {f"ocds-abc123-{procedure.reference}"}
    tender = stages["tender"]["tender"]
    submitted = procedure.bids.filter(submitted_at__isnull=False)
    assert tender["title"] == procedure.title and tender["status"] == "complete"
    assert tender["numberOfTenderers"] == submitted.count() == len(tender["tenderers"])
    assert tender["value"] == {"amount": float(procedure.estimated_value), "currency": procedure.currency}
    assert tender["tenderPeriod"]["endDate"].startswith(procedure.proposals_due.isoformat() + "T23:59:59")
    award = stages["award"]["awards"][0]
    winner = memo.recommended_bid.vendor
    assert award["suppliers"] == [{"id": f"vendor-{winner.pk}", "name": winner.legal_name}]
    assert award["value"]["amount"] == float(memo.contract_value)
    entry = stages["contract"]["contracts"][0]
    assert entry["id"] == contract.reference and entry["awardID"] == award["id"]
    assert entry["value"] == {"amount": float(contract.value), "currency": contract.currency}
    assert {m["title"] for m in entry["milestones"]} == set(contract.milestones.values_list("title", flat=True))
    implementation = stages["implementation"]["contracts"][0]["implementation"]
    paid = contract.invoices.filter(status="paid")
    assert paid.exists()
    assert sorted(t["value"]["amount"] for t in implementation["transactions"]) == sorted(
        float(i.amount) for i in paid)
    assert {t["payee"]["id"] for t in implementation["transactions"]} == {f"vendor-{contract.vendor_id}"}
    # Every date carries its offset; every amount is a number.
    text = json.dumps(package)
    for release in package["releases"]:
        assert datetime.fromisoformat(release["date"]).utcoffset() is not None
    assert '"amount": "' not in text


def test_release_ids_are_stable_and_change_with_the_published_data(demo):
    procedure = AwardProcedure.objects.filter(stage="awarded").first()
    first = builder.procedure_package(selectors.published_procedure(procedure.reference))["releases"]
    again = builder.procedure_package(selectors.published_procedure(procedure.reference))["releases"]
    assert [r["id"] for r in first] == [r["id"] for r in again]
    procedure.title = "A new public title"
    procedure._change_reason = "Test: a public change"
    procedure.save(update_fields=["title"])
    after = builder.procedure_package(selectors.published_procedure(procedure.reference))["releases"]
    before_ids, after_ids = {r["tag"][0]: r["id"] for r in first}, {r["tag"][0]: r["id"] for r in after}
    assert before_ids["tender"] != after_ids["tender"]  # the tender shows the title
    assert before_ids["contract"] == after_ids["contract"]  # the contract release does not


def _marked_columns():
    """Every free-text column of Baton's records (and people's names) that the builder does not publish."""
    from django.apps import apps

    for model in apps.get_models():
        label = model._meta.app_label
        if label not in ("vendors", "awards", "contracts", "accounts") or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, (CharField, TextField)) or field.choices or field.primary_key:
                continue
            if (label, model._meta.model_name, field.name) in builder.PUBLISHED_FIELDS:
                continue
            if field.max_length is not None and field.max_length < len(MARKER) + 8:
                continue
            yield model, field


def test_no_confidential_value_is_ever_published(demo):
    """A marker in every unpublished text field of every record — scores' rationales, conflict declarations,
    the memo's narrative and negotiation strategy, risks, waivers, debriefs, clause positions, notes, invoice
    numbers, people's names, the publication reasons — and none of it reaches a package."""
    columns = 0
    with connection.cursor() as cursor:
        for model, field in _marked_columns():
            table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(field.column)
            pk = connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(f"UPDATE {table} SET {column} = %s || CAST({pk} AS TEXT)", [MARKER])  # noqa: S608
            columns += 1
    assert columns > 150
    packages = every_package()
    leaked = sum(json.dumps(p).count(MARKER) for p in packages)
    record("OCDS packages/confidential values published", leaked)
    assert leaked == 0
    assert not any(k in json.dumps(p).lower() for p in packages for k in ('"score', "rationale", "conflict"))
    # The marked world still makes valid packages.
    assert [e for p in packages for e in standard.problems(p)] == []


def test_publishing_needs_a_lead_and_a_reason_and_is_recorded(demo):
    procedure = AwardProcedure.objects.order_by("reference").first()
    lead, auditor, evaluator = demo["lead"], demo["auditor"], demo["evaluator"]
    publication_withdraw(actor=lead, procedure=procedure, reason="Wrong procedure published")
    for person, refused in ((auditor, PermissionDenied), (evaluator, Http404), (demo["owner"], Http404)):
        with pytest.raises(refused):
            publication_publish(actor=person, procedure=procedure, reason="I would like it public")
    for blank in ("", "   \n"):
        with pytest.raises(ValidationError) as caught:
            publication_publish(actor=lead, procedure=procedure, reason=blank)
        assert "reason" in caught.value.message_dict
    assert Publication.objects.get(procedure=procedure).status == "withdrawn"
    publication = publication_publish(actor=lead, procedure=procedure, reason="Approved for publication by legal")
    row = publication.history.first()
    assert row.history_user == lead and row.status == "published"
    assert row.history_change_reason == "Published as open contracting data: Approved for publication by legal"
    assert [h.status for h in publication.history.order_by("history_date", "history_id")] == [
        "published", "withdrawn", "published"]
    with pytest.raises(InvalidTransition):
        publication_publish(actor=lead, procedure=procedure, reason="Twice")
    gone = User.objects.get(pk=lead.pk)  # a copy: the module's users stay active for the other tests
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with pytest.raises(Http404):
        publication_withdraw(actor=gone, procedure=procedure, reason="Deactivated lead")


def test_withdrawn_leaves_the_bulk_package_the_api_and_the_export(demo, tmp_path):
    procedure = AwardProcedure.objects.filter(stage="awarded").first()
    ocid_part = f"-{procedure.reference}"
    publication_withdraw(actor=demo["lead"], procedure=procedure, reason="Legal asked to hold it back")
    bulk = builder.bulk_package(selectors.procedures_for_ocds(selectors.published()))
    assert bulk["releases"] and not any(r["ocid"].endswith(ocid_part) for r in bulk["releases"])
    assert selectors.published_procedure(procedure.reference) is None
    with pytest.raises(CommandError, match="No published procedure"):
        call_command("ocds_export", procedure=procedure.reference, stdout=io.StringIO())
    output = tmp_path / "bulk.json"
    call_command("ocds_export", output=str(output), stderr=io.StringIO())
    written = json.loads(output.read_text())
    assert written["releases"] and not any(r["ocid"].endswith(ocid_part) for r in written["releases"])
    assert standard.problems(written) == []


def test_the_export_validates_before_writing(demo, tmp_path, settings, monkeypatch):
    output = tmp_path / "bad.json"
    settings.BATON_OCDS_LICENSE = "our licence"  # not a URI: the schema refuses the package
    with pytest.raises(CommandError, match=r"/license: 'our licence' is not a 'uri'"):
        call_command("ocds_export", output=str(output))
    assert not output.exists()
    settings.BATON_OCDS_LICENSE = None
    monkeypatch.setenv(standard.ENV, str(tmp_path))
    with pytest.raises(CommandError, match="BATON_OCDS_SCHEMA_DIR"):
        call_command("ocds_export", output=str(output))
    assert not output.exists()
    monkeypatch.delenv(standard.ENV)
    reference = AwardProcedure.objects.order_by("reference").first().reference
    out = io.StringIO()
    call_command("ocds_export", procedure=reference, stdout=out)
    assert json.loads(out.getvalue())["uri"].endswith(f"/api/v1/ocds/procedures/{reference}")


# --- the pages ---------------------------------------------------------------------------------------------
def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_lead_page_lists_and_decides(demo, django_assert_max_num_queries):
    lead = demo["lead"]
    procedure = AwardProcedure.objects.order_by("reference").first()
    client = _client(lead)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("contracts:ocds_list"))
    assert page.status_code == 200
    assert page.content.decode().count(reverse("contracts:ocds_withdraw", args=[procedure.reference])) == 1
    url = reverse("contracts:ocds_withdraw", args=[procedure.reference])
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    assert Publication.objects.get(procedure=procedure).status == "published"
    done = client.post(url, {"reason": "Contains a pilot we have not announced"})
    assert done.status_code == 302 and Publication.objects.get(procedure=procedure).status == "withdrawn"
    again = client.post(url, {"reason": "Again"})
    assert again.status_code == 409
    listing = client.get(reverse("contracts:ocds_list"), {"state": "withdrawn"})
    assert [p.reference for p in listing.context["page_obj"]] == [procedure.reference]


def test_who_sees_the_pages(demo):
    procedure = AwardProcedure.objects.order_by("reference").first()
    publish = reverse("contracts:ocds_withdraw", args=[procedure.reference])
    package = reverse("contracts:ocds_package", args=[procedure.reference])
    auditor, evaluator = _client(demo["auditor"]), _client(demo["evaluator"])
    assert auditor.get(reverse("contracts:ocds_list")).status_code == 200
    download = auditor.get(package)
    assert download.status_code == 200 and download["Content-Type"].startswith("application/json")
    assert standard.problems(json.loads(download.content)) == []
    assert auditor.post(publish, {"reason": "Auditor tries"}).status_code == 403
    assert evaluator.get(reverse("contracts:ocds_list")).status_code == 403
    assert evaluator.get(package).status_code == 404
    assert evaluator.post(publish, {"reason": "Evaluator tries"}).status_code == 404
    assert _client(demo["owner"]).get(reverse("contracts:ocds_bulk")).status_code == 403
    assert Publication.objects.get(procedure=procedure).status == "published"


# --- the API -------------------------------------------------------------------------------------------------
def _token(user, scope: str = "read") -> str:
    from procurement.api.services import api_token_create

    _row, secret = api_token_create(actor=user, name=f"OCDS test {scope}", scope=scope,
                                    expires_on=timezone.localdate() + timedelta(days=30))
    return secret


def test_the_api_serves_published_packages_to_any_read_token(demo):
    procedure = AwardProcedure.objects.filter(stage="awarded").first()
    client = Client(headers={"Authorization": f"Bearer {_token(demo['evaluator'])}"})  # no right to the pages
    url = f"/api/v1/ocds/procedures/{procedure.reference}"
    answer = client.get(url)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert standard.problems(body) == [] and body["uri"] == f"http://testserver{url}"
    bulk = client.get("/api/v1/ocds/packages/bulk").json()
    assert standard.problems(bulk) == [] and {r["ocid"] for r in body["releases"]} <= {
        r["ocid"] for r in bulk["releases"]}
    assert client.get("/api/v1/ocds/policy").json()["rule"].startswith("Only procedures a procurement lead")
    assert Client().get(url).status_code == 401
    assert client.get("/api/v1/ocds/procedures/AP-0000-0000").status_code == 404
    publication_withdraw(actor=demo["lead"], procedure=procedure, reason="Hold back")
    gone = client.get(url)
    assert gone.status_code == 404 and gone["Content-Type"].startswith("application/problem+json")
    assert not any(r["ocid"].endswith(procedure.reference)
                   for r in client.get("/api/v1/ocds/packages/bulk").json()["releases"])


def test_an_unpublished_world_has_no_bulk_package(demo):
    client = Client(headers={"Authorization": f"Bearer {_token(demo['lead'])}"})
    for procedure in AwardProcedure.objects.all():
        publication_withdraw(actor=demo["lead"], procedure=procedure, reason="Stop publishing")
    assert client.get("/api/v1/ocds/packages/bulk").status_code == 404
    assert _client(demo["lead"]).get(reverse("contracts:ocds_bulk")).status_code == 409
    with pytest.raises(CommandError, match="No procedure is published"):
        call_command("ocds_export", stdout=io.StringIO())
    assert User.objects.filter(username="lead").exists()
