"""Each contributed event is published by the service where it happens, with a small, public-minded payload."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement.accounts.roles import Role
from procurement.contributions import collect
from procurement.webhooks import services
from procurement.webhooks.models import Delivery

pytestmark = pytest.mark.django_db
EVERY_EVENT = ["attestation.expired", "memo.approved", "award.notified", "contract.signed", "pack.acknowledged",
               "kpi.breached"]


@pytest.fixture
def subscribed(admin):
    subscription, _ = services.subscription_create(actor=admin, url="https://8.8.8.8/baton",
                                                   events=[value for value, _ in services.event_choices()])
    return subscription


def sent(event):
    return [json.loads(d.body) for d in Delivery.objects.filter(event=event).order_by("pk")]


def test_the_apps_contribute_the_six_events():
    assert [e.value for e in collect().webhook_events] == EVERY_EVENT


def test_approving_a_memo_publishes_memo_approved_and_award_notified(subscribed, lead, business_owner, make_user):
    from awards import services as awards
    from tests.factories.accounts import TEST_PASSWORD
    from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo

    approver = make_user(Role.COMMITTEE_APPROVER)
    committee(PM, approver, quorum=1)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    memo = awards.memo_submit(actor=lead, memo=written_memo(shortlist))
    assert not Delivery.objects.exists()  # submitting announces nothing

    awards.signoff_record(actor=approver, memo=memo, decision="approve", comment="", password=TEST_PASSWORD)

    memo.refresh_from_db()
    reference = shortlist.procedure.reference
    subject = {"kind": "procedure", "reference": reference, "api_path": f"/api/v1/procedures/{reference}"}
    [approved] = sent("memo.approved")
    assert approved["subject"] == subject
    assert approved["data"] == {"memo_version": 1, "approved_at": approved["data"]["approved_at"],
                                "memo_api_path": f"/api/v1/memos/{reference}"}
    [notified] = sent("award.notified")
    winner = shortlist.bids[0].vendor
    assert notified["subject"] == subject
    assert notified["data"] == {"memo_version": 1, "standstill_ends_on": memo.standstill_ends_on.isoformat(),
                                "awarded_vendor": {"name": winner.legal_name,
                                                   "api_path": f"/api/v1/vendors/{winner.pk}"}}
    body = Delivery.objects.get(event="award.notified").body
    for bidder in shortlist.bids[1:]:  # nothing about the other bidders, no scores
        assert bidder.vendor.legal_name not in body
    assert "score" not in body and "total" not in body and approved["id"] != notified["id"]


def test_signing_a_contract_publishes_contract_signed(subscribed, lead, manager):
    from contracts import services as contracts
    from tests.factories.contracts import held_kickoff, open_contract

    contract = open_contract(lead=lead, manager=manager)
    held_kickoff(contract, lead=lead, manager=manager)
    assert not Delivery.objects.exists()

    contracts.contract_transition(actor=lead, contract=contract, status="signed", reason="Signed")

    [event] = sent("contract.signed")
    assert event["subject"] == {"kind": "contract", "reference": contract.reference,
                                "api_path": f"/api/v1/contracts/{contract.reference}"}
    assert event["data"] == {"signed_on": timezone.localdate().isoformat(),
                             "vendor": {"name": contract.vendor.legal_name,
                                        "api_path": f"/api/v1/vendors/{contract.vendor_id}"}}
    assert str(contract.value) not in Delivery.objects.get().body  # the price stays inside


def test_acknowledging_the_handoff_pack_publishes_pack_acknowledged(subscribed, lead, manager):
    from contracts import services as contracts
    from procurement.documents.models import RenderedDocument
    from tests.factories.contracts import held_kickoff, open_contract

    contract = open_contract(lead=lead, manager=manager)
    held_kickoff(contract, lead=lead, manager=manager)
    for clause in contract.clauses.all():
        contracts.clause_set_status(actor=lead, position=clause, status="agreed", agreed_summary="As drafted")
    doc = contracts.pack_request(actor=manager, contract=contract)  # its render task waits for the commit
    doc.status, doc.sha256 = RenderedDocument.Status.READY, "ab" * 32  # rendering has its own tests (slow PDF)
    doc._change_reason = "test: rendered"
    doc.save()

    receipt = contracts.pack_acknowledge(actor=manager, contract=contract, document=doc)
    contracts.pack_acknowledge(actor=manager, contract=contract, document=doc)  # again: already acknowledged

    [event] = sent("pack.acknowledged")
    assert event["subject"]["api_path"] == f"/api/v1/contracts/{contract.reference}"
    assert event["data"] == {"pack_version": doc.version, "pack_sha256": doc.sha256,
                             "acknowledged_at": event["data"]["acknowledged_at"]}
    assert event["data"]["acknowledged_at"].startswith(receipt.created_at.date().isoformat())


def test_a_breaching_measurement_publishes_kpi_breached_and_a_good_one_nothing(subscribed, lead, manager):
    from contracts import services as contracts
    from tests.factories.contracts import active_contract

    contract = active_contract(lead=lead, manager=manager)
    kpi = contracts.kpi_add(actor=manager, contract=contract, name="Latency p95", unit="ms", direction="at_most",
                            threshold=Decimal("800"))
    today = timezone.localdate()

    contracts.measurement_record(actor=manager, kpi=kpi, measured_on=today - timedelta(days=1), value=Decimal("640"))
    assert not Delivery.objects.exists()
    contracts.measurement_record(actor=manager, kpi=kpi, measured_on=today, value=Decimal("1234.5"))

    [event] = sent("kpi.breached")
    assert event["subject"]["reference"] == contract.reference
    assert event["data"] == {"kpi": "Latency p95", "kpi_id": kpi.pk, "measured_on": today.isoformat(),
                             "measurements_api_path":
                                 f"/api/v1/contracts/{contract.reference}/kpis/{kpi.pk}/measurements"}
    assert "1234.5" not in Delivery.objects.get().body


def test_the_daily_check_publishes_attestation_expired_once(subscribed, lead):
    from tests.factories.vendors import AttestationFactory, VendorFactory
    from vendors.services.monitoring import attestations_check

    today = timezone.localdate()
    vendor = VendorFactory(owner=lead)
    attestation = AttestationFactory(vendor=vendor, issued_on=today - timedelta(days=360),
                                     expires_on=today - timedelta(days=1))
    AttestationFactory(vendor=vendor, issued_on=today - timedelta(days=30),
                       expires_on=today + timedelta(days=300))  # a valid one: nothing

    attestations_check(today=today)
    attestations_check(today=today)  # the next run: already recorded as expired

    [event] = sent("attestation.expired")
    assert event["subject"] == {"kind": "vendor", "reference": str(vendor.pk),
                                "api_path": f"/api/v1/vendors/{vendor.pk}"}
    assert event["data"] == {"attestation_id": attestation.pk, "standard": attestation.standard_label,
                             "expired_on": attestation.expires_on.isoformat()}


def test_a_subscriber_to_other_events_gets_none_of_these(admin, lead, make_user):
    from tests.factories.vendors import AttestationFactory, VendorFactory
    from vendors.services.monitoring import attestations_check

    services.subscription_create(actor=admin, url="https://8.8.8.8/only-kpis", events=["kpi.breached"])
    today = timezone.localdate()
    AttestationFactory(vendor=VendorFactory(owner=lead), issued_on=today - timedelta(days=360),
                       expires_on=today - timedelta(days=1))

    attestations_check(today=today)

    assert not Delivery.objects.exists()
