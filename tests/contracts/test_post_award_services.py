"""Post-award services: milestones, payments, change orders, KPIs, check-ins, incidents and the exit."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from contracts import services
from contracts.models import ChangeOrder, Contract, ExitStep, Kpi, KpiMeasurement, Milestone
from contracts.selectors import pack_state
from procurement.accounts.roles import Role
from procurement.exceptions import InvalidTransition
from procurement.notifications.models import Notification
from tests.factories.contracts import active_contract, milestone
from vendors.models import Vendor

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
PDF = b"%PDF-1.4\n% test acceptance report\n"


@pytest.fixture
def owner(make_user):
    return make_user(Role.BUSINESS_OWNER, email="owner@example.test")


@pytest.fixture
def contract(lead, manager, owner):
    return active_contract(lead=lead, manager=manager, owner=owner)


def last_reason(obj):
    return obj.history.first().history_change_reason


# --- milestones --------------------------------------------------------------------------------------------
def test_milestone_accepted_with_a_file_keeps_its_sha256_and_history(contract, lead, manager):
    # given a milestone with acceptance criteria and a tester, delivered
    m = milestone(contract, actor=lead, acceptance_criteria="95% of claims routed correctly",
                  test_method="Replay of 500 claims from last month", tester=manager)
    services.milestone_deliver(actor=manager, milestone=m, reason="Build 1.2 handed over")
    # when the manager accepts it with a report
    upload = ContentFile(PDF, name="acceptance.pdf")
    m = services.milestone_decide(actor=manager, milestone=m, accept=True, note="96.1% routed", upload=upload)
    # then it is accepted, the file is private with its fingerprint, and the history says why
    m.refresh_from_db()
    assert m.status == "accepted" and m.decided_by == manager and m.decided_on == TODAY()
    import hashlib

    assert m.evidence_sha256 == hashlib.sha256(PDF).hexdigest() and m.evidence_content_type == "application/pdf"
    assert default_storage.exists(m.evidence_file.name)
    assert last_reason(m) == "Accepted: 96.1% routed"
    with services.milestone_evidence_file(actor=manager, milestone=m) as verified:
        assert verified.read() == PDF


def test_acceptance_needs_evidence_and_rejection_a_reason(contract, lead, manager):
    m = milestone(contract, actor=lead)
    services.milestone_deliver(actor=manager, milestone=m, reason="Delivered")
    with pytest.raises(ValidationError) as exc:
        services.milestone_decide(actor=manager, milestone=m, accept=True, note="")
    assert "evidence_note" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.milestone_decide(actor=manager, milestone=m, accept=False, note=" ")
    m.refresh_from_db()
    assert m.status == "delivered"


def test_a_file_whose_content_does_not_match_its_name_is_refused_and_nothing_saved(contract, lead, manager):
    m = milestone(contract, actor=lead)
    services.milestone_deliver(actor=manager, milestone=m, reason="Delivered")
    with pytest.raises(ValidationError) as exc:
        services.milestone_decide(actor=manager, milestone=m, accept=True, note="ok",
                                  upload=ContentFile(b"\x89PNG\r\n\x1a\nxxxx", name="report.pdf"))
    assert "evidence_file" in exc.value.message_dict
    m.refresh_from_db()
    assert m.status == "delivered" and not m.evidence_file


def test_late_is_derived_from_the_due_date(contract, lead, manager):
    m = milestone(contract, actor=lead, days=-1)
    assert m.state_on(TODAY()) == "late" and m.state_label_on(TODAY()) == "Late"
    services.milestone_deliver(actor=manager, milestone=m, reason="Delivered a day late")
    m.refresh_from_db()
    assert m.state_on(TODAY()) == "delivered"


def test_accepting_a_planned_milestone_is_refused(contract, lead, manager):
    m = milestone(contract, actor=lead)
    with pytest.raises(InvalidTransition):
        services.milestone_decide(actor=manager, milestone=m, accept=True, note="looks fine")


def test_only_the_manager_or_a_lead_manages_milestones(contract, lead, owner):
    m = milestone(contract, actor=lead)
    with pytest.raises(PermissionDenied):
        services.milestone_deliver(actor=owner, milestone=m, reason="x")


# --- payments ------------------------------------------------------------------------------------------------
def test_invoice_paid_after_terms_is_late_with_days_to_pay_in_history(contract, manager, owner, lead):
    received = TODAY() - datetime.timedelta(days=45)
    invoice = services.invoice_record(actor=manager, contract=contract, number="INV-1", amount=Decimal("1000"),
                                      received_on=received)
    services.invoice_approve(actor=owner, invoice=invoice, on=received + datetime.timedelta(days=5))
    invoice = services.invoice_pay(actor=lead, invoice=invoice, paid_on=TODAY())
    assert invoice.days_to_pay() == 45 and invoice.is_late_on(TODAY(), contract.payment_terms_days)
    assert "later than the 30-day terms" in last_reason(invoice)


def test_invoice_paid_within_terms_is_not_late(contract, manager, owner, lead):
    received = TODAY() - datetime.timedelta(days=10)
    invoice = services.invoice_record(actor=manager, contract=contract, number="INV-2", amount=Decimal("10"),
                                      received_on=received)
    services.invoice_approve(actor=owner, invoice=invoice)
    invoice = services.invoice_pay(actor=lead, invoice=invoice)
    assert not invoice.is_late_on(TODAY(), 30)


def test_invoice_cannot_be_paid_before_approval_and_numbers_are_unique(contract, manager):
    invoice = services.invoice_record(actor=manager, contract=contract, number="A-1", amount=Decimal("5"),
                                      received_on=TODAY())
    with pytest.raises(InvalidTransition):
        services.invoice_pay(actor=manager, invoice=invoice)
    with pytest.raises(ValidationError) as exc:
        services.invoice_record(actor=manager, contract=contract, number="a-1", amount=Decimal("5"),
                                received_on=TODAY())
    assert "number" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.invoice_record(actor=manager, contract=contract, number="A-2", amount=Decimal("-5"),
                                received_on=TODAY())
    assert "amount" in exc.value.message_dict
    assert contract.invoices.count() == 1


def test_usage_based_terms_need_a_cap(contract, manager):
    with pytest.raises(ValidationError) as exc:
        services.payment_terms_update(actor=manager, contract=contract, payment_model="usage", spend_cap=None)
    assert "spend_cap" in exc.value.message_dict
    contract.refresh_from_db()
    assert contract.payment_model == "fixed"


def test_usage_forecast_runs_the_rate_to_the_end_of_the_term():
    from contracts.usage import forecast_spend

    start = datetime.date(2026, 1, 1)
    f = forecast_spend(spend=Decimal("1000"), cap=Decimal("3000"), start=start,
                       end=start + datetime.timedelta(days=400), on=start + datetime.timedelta(days=100))
    assert f.forecast == Decimal("4000.00") and f.over_cap and f.share_of_cap == 33
    calm = forecast_spend(spend=Decimal("500"), cap=Decimal("3000"), start=start,
                          end=start + datetime.timedelta(days=400), on=start + datetime.timedelta(days=100))
    assert calm.forecast == Decimal("2000.00") and not calm.over_cap


# --- change orders -----------------------------------------------------------------------------------------
def test_change_order_approved_by_the_accountable_updates_the_contract_and_stales_the_pack(contract, lead, manager,
                                                                                          owner):
    from procurement.documents.models import RenderedDocument
    from procurement.documents.services import document_render

    doc = services.pack_request(actor=manager, contract=contract)
    document_render(document_id=doc.pk)
    assert RenderedDocument.objects.get(pk=doc.pk).status == "ready" and not pack_state(contract)["stale"]
    value, end = contract.value, contract.end_date
    order = services.change_order_raise(actor=manager, contract=contract, title="Move to model v4",
                                        reason="model_version", description="The vendor retires v3.",
                                        cost_impact=Decimal("12000"), schedule_impact_days=30)
    assert Notification.objects.filter(recipient=owner, kind="change_order").exists()
    services.change_order_decide(actor=owner, change_order=order, approve=True, note="Within budget")
    contract.refresh_from_db()
    order.refresh_from_db()
    assert order.status == "approved" and order.decided_by == owner
    assert contract.value == value + 12000 and contract.end_date == end + datetime.timedelta(days=30)
    assert last_reason(contract).startswith("CO-1 approved")
    assert pack_state(contract)["stale"]


def test_only_the_accountable_seat_decides_change_orders(contract, lead, manager, owner):
    order = services.change_order_raise(actor=manager, contract=contract, title="More seats", reason="scope",
                                        description="Add the claims team.", cost_impact=Decimal("5000"))
    for someone in (lead, manager):
        with pytest.raises(PermissionDenied):
            services.change_order_decide(actor=someone, change_order=order, approve=True, note="ok")
    # moving the A to the post-award manager's seat moves the decision with it
    activity = contract.raci_activities.get(name="Approve change orders")
    services.raci_save(actor=lead, contract=contract,
                       grid={activity.pk: {"business_owner": "C", "post_award_manager": "A"}})
    services.change_order_decide(actor=manager, change_order=order, approve=False, note="Not this quarter")
    order.refresh_from_db()
    assert order.status == "rejected"
    contract.refresh_from_db()
    assert contract.value == order.contract.value  # unchanged by a rejection
    with pytest.raises(InvalidTransition):
        services.change_order_decide(actor=manager, change_order=order, approve=True, note="changed my mind")


def test_change_order_needs_a_note(contract, manager, owner):
    order = services.change_order_raise(actor=manager, contract=contract, title="x", reason="price",
                                        description="Price up 5%")
    with pytest.raises(ValidationError):
        services.change_order_decide(actor=owner, change_order=order, approve=True, note="")
    assert ChangeOrder.objects.get(pk=order.pk).status == "proposed"


# --- KPIs ------------------------------------------------------------------------------------------------
def test_a_vendor_reported_kpi_needs_a_recorded_exception(contract, manager):
    with pytest.raises(ValidationError) as exc:
        services.kpi_add(actor=manager, contract=contract, name="Uptime", threshold=Decimal("99.5"),
                         source="vendor")
    assert "source_exception_reason" in exc.value.message_dict
    kpi = services.kpi_add(actor=manager, contract=contract, name="Uptime", threshold=Decimal("99.5"),
                           source="vendor", source_exception_reason="No probe can reach their private region.")
    assert "exception" in last_reason(kpi)


def test_a_breaching_measurement_is_flagged_and_tells_the_manager_once(contract, manager, owner):
    kpi = services.kpi_add(actor=manager, contract=contract, name="Latency p95", unit="ms", direction="at_most",
                           threshold=Decimal("800"))
    ok = services.measurement_record(actor=manager, kpi=kpi, measured_on=TODAY() - datetime.timedelta(days=1),
                                     value=Decimal("640"))
    bad = services.measurement_record(actor=manager, kpi=kpi, measured_on=TODAY(), value=Decimal("1200"))
    assert not ok.breach and bad.breach and bad.threshold == Decimal("800")
    assert "breach of Latency p95" in last_reason(bad)
    breaches = Notification.objects.filter(kind="breach")
    assert {n.recipient for n in breaches} == {manager, owner} and breaches.count() == 2
    with pytest.raises(ValidationError):  # one measurement per KPI and day
        services.measurement_record(actor=manager, kpi=kpi, measured_on=TODAY(), value=Decimal("1"))


def test_kpis_are_seeded_from_the_packs_obligations_once(lead, manager):
    from tests.factories.contracts import make_active, open_contract

    contract = open_contract(lead=lead, manager=manager)
    clause = contract.clauses.get(playbook_clause__key="service-levels")
    services.clause_set_status(actor=lead, position=clause, status="agreed", agreed_summary="99.5%, credits")
    make_active(contract)
    created = services.kpis_seed_from_pack(actor=manager, contract=contract)
    assert {k.name for k in created} == {"Monthly availability", "Severity-one response time"}
    assert all(k.source == "own" and k.clause == clause for k in created)
    assert services.kpis_seed_from_pack(actor=manager, contract=contract) == []


CSV_OK = ("kpi,measured_on,value,note\r\nLatency p95,{d1},700,normal week\r\n"
          "latency P95,{d2},900,=HYPERLINK(\"x\")\r\n")


def test_csv_import_saves_all_rows_and_neutralises_formulas(contract, manager):
    kpi = services.kpi_add(actor=manager, contract=contract, name="Latency p95", direction="at_most",
                           threshold=Decimal("800"))
    d1, d2 = TODAY() - datetime.timedelta(days=2), TODAY() - datetime.timedelta(days=1)
    rows = services.measurements_import(actor=manager, contract=contract,
                                        data=CSV_OK.format(d1=d1, d2=d2).encode())
    assert [r.breach for r in rows] == [False, True] and all(r.imported for r in rows)
    assert kpi.measurements.get(measured_on=d2).note.startswith("'=")


def test_csv_import_with_one_bad_row_saves_nothing_and_names_each_problem(contract, manager):
    services.kpi_add(actor=manager, contract=contract, name="Latency p95", direction="at_most",
                     threshold=Decimal("800"))
    future = TODAY() + datetime.timedelta(days=3)
    data = (f"kpi,measured_on,value\nLatency p95,{TODAY()},700\nUnknown,{TODAY()},1\nLatency p95,yesterday,abc\n"
            f"=cmd,{TODAY()},1\nLatency p95,{future},5\n").encode()
    with pytest.raises(ValidationError) as exc:
        services.measurements_import(actor=manager, contract=contract, data=data)
    problems = exc.value.message_dict["file"]
    assert problems[0].startswith("Row 3:") and "unknown KPI" in problems[0]
    assert problems[1].startswith("Row 4:") and "YYYY-MM-DD" in problems[1] and "number" in problems[1]
    assert "formula" in problems[2] and "future" in problems[3]
    assert not KpiMeasurement.objects.exists()


# --- check-ins and incidents ------------------------------------------------------------------------------
def test_check_in_needs_an_answer_to_every_question(contract, manager):
    from contracts.checkins import covered_topics, questions

    assert covered_topics() == {"milestones", "payments", "flexibility", "training", "model_updates",
                                "satisfaction", "payment_model", "experimentation", "scaling", "decommissioning"}
    keys = [k for k, _, _ in questions("it_data")]
    with pytest.raises(ValidationError) as exc:
        services.checkin_record(actor=manager, contract=contract, team="it_data", held_on=TODAY(),
                                answers={keys[0]: "v4 rolled out; our evals held"})
    assert f"answer_{keys[1]}" in exc.value.message_dict
    checkin = services.checkin_record(actor=manager, contract=contract, team="it_data", held_on=TODAY(),
                                      answers={k: "fine" for k in keys}, actions="- Pin v4 (Marco, 1 May)")
    assert checkin.action_lines == ["Pin v4 (Marco, 1 May)"] and last_reason(checkin) == "IT and data check-in recorded"


def test_incident_notified_after_the_contracted_time_is_late(contract, manager):
    now = timezone.now()
    clause = contract.clauses.get(playbook_clause__key="incident-notification")
    incident = services.incident_record(
        actor=manager, contract=contract, kind="security", title="Prompt logs exposed",
        occurred_at=now - datetime.timedelta(hours=50), detected_at=now - datetime.timedelta(hours=48),
        notified_at=now - datetime.timedelta(hours=2), clauses=[clause])
    assert incident.notice_hours == 24 and incident.notified_late(now)
    assert list(incident.clauses.all()) == [clause]
    assert "late" in last_reason(incident)
    on_time = services.incident_record(
        actor=manager, contract=contract, kind="outage", title="EU region down",
        occurred_at=now - datetime.timedelta(hours=3), detected_at=now - datetime.timedelta(hours=3))
    assert not on_time.notified_late(now)
    with pytest.raises(ValidationError):
        services.incident_record(actor=manager, contract=contract, kind="outage", title="x",
                                 occurred_at=now, detected_at=now - datetime.timedelta(hours=1))


# --- exit --------------------------------------------------------------------------------------------------
def test_exit_runbook_closes_the_contract_and_exits_the_vendor(contract, manager):
    vendor = contract.vendor
    vendor.status = Vendor.Status.ACTIVE
    vendor._change_reason = "test: active"
    vendor.save()
    contract = services.exit_start(actor=manager, contract=contract, reason="Moving to an in-house model")
    assert contract.status == "exiting"
    steps = list(contract.exit_steps.all())
    assert [s.key for s in steps] == ["notice", "data-return", "certified-deletion", "parallel-run",
                                      "access-removal", "knowledge-transfer"]
    assert all(s.owner_id and s.due_date for s in steps)
    with pytest.raises(InvalidTransition):
        services.exit_close(actor=manager, contract=contract, reason="done")
    for step in steps[:-1]:
        services.exit_step_update(actor=manager, step=step, done_on=TODAY(), note="done")
    with pytest.raises(ValidationError):
        services.exit_step_waive(actor=manager, step=steps[-1], reason="")
    services.exit_step_waive(actor=manager, step=steps[-1], reason="Successor team built it with us")
    services.exit_close(actor=manager, contract=contract, reason="All steps settled")
    contract.refresh_from_db()
    vendor.refresh_from_db()
    assert contract.status == "closed" and vendor.status == Vendor.Status.EXITED
    assert last_reason(ExitStep.objects.get(pk=steps[-1].pk)).startswith("Waived:")
    assert last_reason(contract) == "Closed: All steps settled"


def test_vendor_stays_while_another_contract_is_open(contract, lead, manager):
    from tests.factories.contracts import open_contract

    other = open_contract(lead=lead, manager=manager)
    other.vendor = contract.vendor
    other._change_reason = "test: same vendor"
    other.save()
    services.exit_start(actor=manager, contract=contract, reason="Consolidating")
    for step in contract.exit_steps.all():
        services.exit_step_waive(actor=manager, step=step, reason="test")
    services.exit_close(actor=manager, contract=contract, reason="done")
    contract.vendor.refresh_from_db()
    assert Contract.objects.get(pk=contract.pk).status == "closed"
    assert contract.vendor.status != Vendor.Status.EXITED


def test_closed_contract_refuses_post_award_records(contract, manager):
    services.exit_start(actor=manager, contract=contract, reason="x")
    for step in contract.exit_steps.all():
        services.exit_step_waive(actor=manager, step=step, reason="test")
    services.exit_close(actor=manager, contract=contract, reason="done")
    with pytest.raises(InvalidTransition):
        services.kpi_add(actor=manager, contract=contract, name="x", threshold=1)
    assert not Kpi.objects.exists() and not Milestone.objects.filter(contract=contract).exists()
