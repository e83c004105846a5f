"""Write endpoints go through the same services as the pages: history rows carry the token's owner, refusals are
403/404/409 like the pages, and invalid input is a 422 problem naming the field with nothing saved."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement.accounts.roles import Role
from tests.api.conftest import Api, token_for
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% evidence for the API test\n%%EOF\n"


def as_(user) -> Api:
    return Api(token_for(user, "write"))


def fields(response) -> set[str]:
    assert response["Content-Type"] == "application/problem+json", response.content
    return {e["field"] for e in response.json()["errors"]}


def test_register_a_vendor(world):
    from vendors.models import Vendor

    body = {"legal_name": "Api Registered Ltd", "country": "nl", "offering_type": "ai_saas",
            "ai_act_role": "provider", "data_categories": []}
    created = as_(world.lead).post("vendors/", body)

    assert created.status_code == 201 and created.json()["country"] == "NL"
    vendor = Vendor.objects.get(legal_name="Api Registered Ltd")
    row = vendor.history.get()
    assert row.history_user == world.lead and row.history_change_reason == "Vendor registered through the API"

    again = as_(world.lead).post("vendors/", body)
    assert again.status_code == 422 and "legal_name" in fields(again)
    bad = as_(world.lead).post("vendors/", {**body, "legal_name": "Other Ltd", "country": "NLD",
                                            "offering_type": "spaceships"})
    assert bad.status_code == 422 and {"country", "offering_type"} <= fields(bad)
    # two characters that are not a country: "3²" reads as a digit to Python, and once made django-countries fail
    # with a server error (the schemathesis walk found it); "XX" and "3²" are refused at the field
    for code in ("3²", "XX", "²²"):
        odd = as_(world.lead).post("vendors/", {**body, "legal_name": f"Odd {code} Ltd", "country": code})
        assert odd.status_code == 422 and "country" in fields(odd), (code, odd.content)
    assert as_(UserFactory(roles=[Role.EVALUATOR])).post("vendors/", {**body, "legal_name": "E Ltd"}).status_code == 403
    assert Api(token_for(world.auditor, "read")).post("vendors/", {**body, "legal_name": "A Ltd"}).status_code == 403
    assert Vendor.objects.filter(legal_name__in=["Other Ltd", "E Ltd", "A Ltd"]).count() == 0
    assert not Vendor.objects.filter(legal_name__startswith="Odd ").exists()


def test_record_evidence_metadata_with_its_file(world):
    from vendors.models import Evidence

    body = {"kind": "dpa", "title": "Signed DPA", "source": "self_reported",
            "effective_date": timezone.localdate().isoformat(), "original_name": "dpa.pdf",
            "content_base64": base64.b64encode(PDF).decode()}
    path = f"vendors/{world.vendor.pk}/evidence"

    created = as_(world.lead).post(path, body)

    assert created.status_code == 201, created.content
    evidence = Evidence.objects.get(pk=created.json()["id"])
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest() == created.json()["sha256"]
    assert evidence.uploaded_by == world.lead and evidence.history.get().history_user == world.lead
    count = Evidence.objects.count()
    for broken, field in (({"content_base64": "***"}, "content_base64"),
                          ({"content_base64": base64.b64encode(b"MZ\x90\x00 not a document").decode(),
                            "original_name": "tool.exe"}, "file"),
                          ({"effective_date": "yesterday"}, "effective_date")):
        refused = as_(world.lead).post(path, {**body, **broken})
        assert refused.status_code == 422 and field in fields(refused), (broken, refused.content)
    assert as_(world.risk_owner).post(path, body).status_code == 403  # sees the vendor, may not upload
    assert as_(UserFactory(roles=[Role.EVALUATOR])).post(path, body).status_code == 404
    assert Evidence.objects.count() == count


def test_record_a_kpi_measurement(world):
    from contracts.models import KpiMeasurement

    path = f"contracts/{world.live.reference}/kpis/{world.kpi.pk}/measurements"
    today = timezone.localdate()

    created = as_(world.manager).post(path, {"measured_on": today.isoformat(), "value": "950", "note": "slow"})

    assert created.status_code == 201 and created.json()["breach"] is True
    row = KpiMeasurement.objects.get(pk=created.json()["id"])
    assert row.entered_by == world.manager and row.history.get().history_user == world.manager
    future = as_(world.manager).post(path, {"measured_on": (today + timedelta(days=2)).isoformat(), "value": "1"})
    assert future.status_code == 422 and fields(future) == {"measured_on"}
    twice = as_(world.manager).post(path, {"measured_on": today.isoformat(), "value": "1"})
    assert twice.status_code == 422 and fields(twice) == {"measured_on"}
    assert as_(world.owner).post(path, {"measured_on": today.isoformat(), "value": "1"}).status_code == 403
    assert as_(UserFactory(roles=[Role.POST_AWARD_MANAGER])).post(
        path, {"measured_on": today.isoformat(), "value": "1"}).status_code == 404
    other_kpi = f"contracts/{world.live.reference}/kpis/999999/measurements"
    assert as_(world.manager).post(other_kpi, {"measured_on": today.isoformat(), "value": "1"}).status_code == 404
    assert KpiMeasurement.objects.filter(kpi=world.kpi).count() == 1


def test_record_an_invoice(world):
    from contracts.models import Invoice

    path = f"contracts/{world.live.reference}/invoices"
    body = {"number": "API-7", "amount": "1250.00", "received_on": timezone.localdate().isoformat()}

    created = as_(world.manager).post(path, body)

    assert created.status_code == 201 and created.json()["status"] == "received"
    invoice = Invoice.objects.get(number="API-7")
    assert invoice.recorded_by == world.manager and invoice.history.get().history_user == world.manager
    duplicate = as_(world.manager).post(path, {**body, "number": "api-7"})
    assert duplicate.status_code == 422 and fields(duplicate) == {"number"}
    negative = as_(world.manager).post(path, {**body, "number": "API-8", "amount": "-5"})
    assert negative.status_code == 422 and fields(negative) == {"amount"}
    foreign = as_(world.manager).post(path, {**body, "number": "API-9", "milestone_id": 999999})
    assert foreign.status_code == 422 and fields(foreign) == {"milestone_id"}
    assert as_(world.owner).post(path, {**body, "number": "API-10"}).status_code == 403
    assert Invoice.objects.filter(contract=world.live, number__startswith="API-").count() == 1


def test_score_sheet_refusals_in_the_shared_world(world):
    path = f"procedures/{world.procedure.reference}/scoresheet"
    body = {"scores": [], "submit": True}
    assert as_(world.evaluator).post(path, body).status_code == 409  # submitted already, like the grid
    assert as_(world.lead).post(path, body).status_code == 403  # sees the procedure, is no evaluator on it
    assert as_(UserFactory(roles=[Role.EVALUATOR])).post(path, body).status_code == 404


def test_submit_a_score_sheet_all_or_nothing(evaluation):
    from awards.models.scorecard import Criterion, Score, ScoreSheet
    from tests.factories.scorecards import declare_all

    procedure = declare_all(evaluation)
    evaluator = procedure.evaluators[0]
    bids = list(procedure.bids.order_by("pk"))
    criteria = list(Criterion.objects.filter(scorecard__procedure=procedure))
    scores = [{"bid_id": b.pk, "criterion": c.key, "value": "3", "rationale": "Seen in the proposal"}
              for b in bids for c in criteria]
    path = f"procedures/{procedure.reference}/scoresheet"
    api = as_(evaluator)

    broken = [*scores[:-1], {**scores[-1], "value": "9"}]
    refused = api.post(path, {"scores": broken})
    assert refused.status_code == 422 and fields(refused) == {f"scores.{len(scores) - 1}.value"}
    assert not Score.objects.filter(sheet__evaluator=evaluator).exists()
    assert not ScoreSheet.objects.filter(evaluator=evaluator).exists()
    unknown = api.post(path, {"scores": [{**scores[0], "criterion": "nope"}]})
    assert unknown.status_code == 422 and fields(unknown) == {"scores.0.criterion"}

    done = api.post(path, {"scores": scores})

    assert done.status_code == 200 and done.json()["submitted"] is True, done.content
    sheet = ScoreSheet.objects.get(evaluator=evaluator, scorecard__procedure=procedure)
    assert sheet.submitted_at is not None and sheet.scores.count() == len(scores)
    assert {h.history_user for h in Score.history.filter(sheet=sheet)} == {evaluator}
    assert sheet.scores.filter(value=Decimal("3")).count() == len(scores)
    assert api.post(path, {"scores": scores}).status_code == 409
