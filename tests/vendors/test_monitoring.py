"""The daily attestation and reassessment checks: frozen time, idempotence, history reasons, recipients."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from contracts.models import Contract
from procurement.accounts.roles import Role
from procurement.notifications.models import Notification
from tests.factories.contracts import open_contract
from tests.factories.vendors import AttestationFactory, VendorFactory
from vendors import tasks
from vendors.models import Attestation, TierAssessment, Vendor, VendorTask
from vendors.services import attestation_record, monitoring, tier_assess

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 10)
MEDIUM = {"data_sensitivity": "personal", "business_criticality": "low", "people_impact": "none",
          "high_risk_use": "no", "autonomy": "standalone", "spend_band": "under_50k", "substitutability": "easy"}


def at(day: date, hour: int = 9):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


@pytest.fixture
def frozen():
    with time_machine.travel(at(TODAY), tick=False) as traveller:
        yield traveller


@pytest.fixture
def contract(lead, manager, frozen):
    return open_contract(lead=lead, manager=manager)


def expired_attestation(vendor, **kwargs):
    # issued less than a year before it expired, so expiry (not the 12-month refresh cadence) makes it due
    return AttestationFactory(vendor=vendor, issued_on=TODAY - timedelta(days=360),
                              expires_on=TODAY - timedelta(days=1), **kwargs)


def notes(key_part: str = "attestation:"):
    return Notification.objects.filter(key__startswith=key_part)


def test_an_expired_attestation_is_marked_the_owner_and_manager_told_once_and_one_task_opened(contract, manager):
    vendor = contract.vendor
    att = expired_attestation(vendor)

    first = monitoring.attestations_check()
    second = monitoring.attestations_check()

    att.refresh_from_db()
    assert (att.recorded_state, att.state_recorded_on) == (Attestation.State.EXPIRED, TODAY)
    latest = att.history.first()
    assert latest.history_user is None
    assert latest.history_change_reason == f"Daily check: expired on {att.expires_on.isoformat()}"
    assert att.history.filter(recorded_state="expired").count() == 1
    told = notes().order_by("recipient_id")
    assert sorted(n.recipient_id for n in told) == sorted([vendor.owner_id, manager.pk])
    assert {(n.kind, n.key) for n in told} == {("expiry", f"attestation:{att.pk}:expired")}
    task = VendorTask.objects.get()
    assert (task.kind, task.attestation, task.assignee, task.status, task.due_on) == (
        VendorTask.Kind.ATTESTATION_REFRESH, att, vendor.owner, VendorTask.Status.OPEN, att.expires_on)
    assert task.history.get().history_change_reason.startswith("Opened: ISO/IEC 27001")
    assert (len(first.marked), len(first.tasks_opened), first.notified) == (1, 1, 2)
    assert (second.marked, second.tasks_opened, second.notified) == ([], [], 0)


def test_the_next_days_send_nothing_new_and_expiring_then_expired_tells_twice(contract, frozen):
    vendor = contract.vendor
    att = AttestationFactory(vendor=vendor, issued_on=TODAY - timedelta(days=300), expires_on=TODAY + timedelta(days=3))

    monitoring.attestations_check()
    assert set(notes().values_list("key", flat=True)) == {f"attestation:{att.pk}:expiring"}
    frozen.move_to(at(TODAY + timedelta(days=1)))
    monitoring.attestations_check()
    assert notes().count() == 2  # owner + manager, still only the expiring reminder
    frozen.move_to(at(TODAY + timedelta(days=5)))
    monitoring.attestations_check()
    monitoring.attestations_check()

    assert set(notes().values_list("key", flat=True)) == {f"attestation:{att.pk}:expiring",
                                                          f"attestation:{att.pk}:expired"}
    assert notes().count() == 4
    assert VendorTask.objects.count() == 1
    reasons = [h.history_change_reason for h in att.history.order_by("history_id")][1:]
    assert reasons == [f"Daily check: expires on {att.expires_on.isoformat()}, within the 60-day warning window",
                       f"Daily check: expired on {att.expires_on.isoformat()}"]


def test_the_warning_window_is_configurable(frozen, settings, lead):
    settings.VENDOR_ATTESTATION_WARNING_DAYS = 10
    vendor = VendorFactory(owner=lead)
    issued = TODAY - timedelta(days=30)
    later = AttestationFactory(vendor=vendor, issued_on=issued, expires_on=TODAY + timedelta(days=20))
    soon = AttestationFactory(vendor=vendor, issued_on=issued, expires_on=TODAY + timedelta(days=9))

    monitoring.attestations_check()

    assert set(Attestation.objects.exclude(recorded_state="").values_list("pk", flat=True)) == {soon.pk}
    assert later.pk not in VendorTask.objects.values_list("attestation_id", flat=True)


def test_a_closed_contract_manager_and_an_exited_vendor_are_left_alone(contract, manager, frozen, lead):
    contract.status = Contract.Status.CLOSED
    contract._change_reason = "test: closed"
    contract.save()
    att = expired_attestation(contract.vendor)
    gone = VendorFactory(owner=lead, status=Vendor.Status.EXITED)
    expired_attestation(gone)

    monitoring.attestations_check()

    assert list(notes().values_list("recipient_id", "key")) == [(contract.vendor.owner_id,
                                                                f"attestation:{att.pk}:expired")]
    assert list(VendorTask.objects.values_list("vendor_id", flat=True)) == [contract.vendor_id]


def test_a_new_attestation_closes_the_refresh_task_and_an_older_one_is_not_chased(frozen, lead):
    vendor = VendorFactory(owner=lead)
    old = expired_attestation(vendor)
    monitoring.attestations_check()
    task = VendorTask.objects.get()

    new = attestation_record(actor=lead, vendor=vendor, standard=Attestation.Standard.ISO_27001, issuer="Cert Co",
                             scope="Hosting", issued_on=TODAY - timedelta(days=2),
                             expires_on=TODAY + timedelta(days=700))

    task.refresh_from_db()
    assert (task.status, task.closed_by, task.closed_by_attestation) == (VendorTask.Status.DONE, lead, new)
    assert task.history.first().history_change_reason.startswith("Done: New ISO/IEC 27001 attestation recorded")
    # the old one is superseded: a later check marks nothing new and tells nobody again
    before = Notification.objects.count()
    monitoring.attestations_check()
    assert Notification.objects.count() == before
    assert VendorTask.objects.filter(attestation=old).count() == 1


def test_a_superseded_attestation_gets_no_reminder(frozen, lead):
    vendor = VendorFactory(owner=lead)
    expired_attestation(vendor)
    AttestationFactory(vendor=vendor, issued_on=TODAY - timedelta(days=5), expires_on=TODAY + timedelta(days=400))

    monitoring.attestations_check()

    assert not notes().exists() and not VendorTask.objects.exists()


def test_the_celery_task_runs_the_service(frozen, lead):
    vendor = VendorFactory(owner=lead)
    expired_attestation(vendor)

    assert tasks.attestations_daily.delay().get() == {"marked": 1, "tasks_opened": 1, "notified": 1}
    assert tasks.attestations_daily.delay().get() == {"marked": 0, "tasks_opened": 0, "notified": 0}


def test_the_job_costs_a_bounded_number_of_queries_per_attestation(frozen, lead, django_assert_max_num_queries):
    for _ in range(3):
        expired_attestation(VendorFactory(owner=lead))
    monitoring.attestations_check()

    # A fixed cost per attestation on a quiet re-run (savepoint, lock, superseded?, task?, contracts, told?),
    # never one per related row.
    with django_assert_max_num_queries(1 + 3 * 7):
        monitoring.attestations_check()


# --- reassessment -----------------------------------------------------------------------------------------


def assessed(vendor, lead, answers=MEDIUM, when=TODAY):
    with time_machine.travel(at(when), tick=False):
        return tier_assess(actor=lead, vendor=vendor, answers=answers)


@pytest.mark.parametrize(("months_ago", "due"), [(25, True), (23, False)])
def test_a_vendor_is_flagged_when_its_tier_cadence_has_passed(frozen, lead, months_ago, due):
    vendor = VendorFactory(owner=lead)
    assessed(vendor, lead, when=TODAY - timedelta(days=months_ago * 30.5))
    vendor.refresh_from_db()
    assert vendor.tier == "medium"  # medium: every 24 months

    first = monitoring.reassessments_check()
    second = monitoring.reassessments_check()

    tasks_ = VendorTask.objects.filter(kind=VendorTask.Kind.REASSESSMENT)
    told = Notification.objects.filter(kind="reassessment_due")
    assert tasks_.count() == (1 if due else 0)
    assert told.count() == (1 if due else 0)
    assert (second.tasks_opened, second.notified) == ([], 0)
    if due:
        assert told.get().recipient == lead and tasks_.get().assignee == lead
        assert first.notified == 1
        assert "reassessed every 24 months" in tasks_.get().opened_reason


def test_the_cadence_comes_from_settings_and_a_new_assessment_closes_the_task(frozen, lead, settings):
    settings.VENDOR_REASSESSMENT_MONTHS = {"critical": 1, "high": 1, "medium": 2, "low": 3}
    vendor = VendorFactory(owner=lead)
    assessed(vendor, lead, when=TODAY - timedelta(days=70))
    monitoring.reassessments_check()
    task = VendorTask.objects.get(kind=VendorTask.Kind.REASSESSMENT)

    tier_assess(actor=lead, vendor=vendor, answers=MEDIUM)

    task.refresh_from_db()
    assert task.status == VendorTask.Status.DONE and task.closed_by == lead
    assert task.history.first().history_change_reason == "Done: Reassessed: Medium (Questionnaire)"
    assert monitoring.reassessments_check().tasks_opened == []  # just reassessed: not due


def test_a_bad_cadence_setting_fails_loudly(settings):
    settings.VENDOR_REASSESSMENT_MONTHS = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    from vendors.reassessment import cadence_months

    with pytest.raises(ValueError, match="at least 1"):
        cadence_months()


def test_exited_and_untiered_vendors_are_not_flagged(frozen, lead):
    untiered = VendorFactory(owner=lead)
    gone = VendorFactory(owner=lead)
    assessed(gone, lead, when=TODAY - timedelta(days=3000))
    gone.status = Vendor.Status.EXITED
    gone._change_reason = "test"
    gone.save()

    monitoring.reassessments_check()

    assert not VendorTask.objects.exists()
    assert untiered.tier == "" and TierAssessment.objects.filter(vendor=gone).exists()


def test_the_reassessment_task_runs_through_celery(frozen, lead, make_user):
    vendor = VendorFactory(owner=lead)
    assessed(vendor, lead, when=TODAY - timedelta(days=800))

    assert tasks.reassessment_daily.delay().get() == {"tasks_opened": 1, "notified": 1}
    assert tasks.reassessment_daily.delay().get() == {"tasks_opened": 0, "notified": 0}
    assert make_user(Role.AUDITOR).notifications.count() == 0


def test_attestation_alerts_for_contract_and_home_pages(frozen, lead, django_assert_num_queries):
    from vendors.selectors import attestation_alerts

    vendor = VendorFactory(owner=lead)
    expired = expired_attestation(vendor)
    renewed = expired_attestation(vendor, standard=Attestation.Standard.SOC2_TYPE2)
    AttestationFactory(vendor=vendor, standard=Attestation.Standard.SOC2_TYPE2, issued_on=TODAY - timedelta(days=3),
                       expires_on=TODAY + timedelta(days=365))
    expiring = AttestationFactory(vendor=vendor, standard=Attestation.Standard.ISO_42001,
                                  issued_on=TODAY - timedelta(days=300), expires_on=TODAY + timedelta(days=20))
    AttestationFactory(vendor=VendorFactory(owner=lead), issued_on=TODAY - timedelta(days=400),
                       expires_on=TODAY - timedelta(days=3))  # another vendor's

    with django_assert_num_queries(2):
        alerts = attestation_alerts([vendor.pk])

    assert [(a.pk, a.state) for a in alerts] == [(expired.pk, "expired"), (expiring.pk, "expiring")]
    assert renewed.pk not in [a.pk for a in alerts]


def test_the_refresh_task_shows_on_the_vendor_page_and_a_lead_may_close_it(client, frozen, lead, make_user):
    vendor = VendorFactory(owner=lead)
    att = expired_attestation(vendor)
    monitoring.attestations_check()
    client.force_login(lead)

    page = client.get(vendor.get_absolute_url()).content.decode()

    assert 'id="follow-ups"' in page and "Collect a renewed ISO/IEC 27001 attestation" in page
    assert f"/vendors/{vendor.pk}/tasks/{att.refresh_tasks.get().pk}/close/" in page
    client.force_login(make_user(Role.AUDITOR))
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "Collect a renewed ISO/IEC 27001 attestation" in page and "/close/" not in page


def test_the_vendor_list_filters_on_follow_ups(client, frozen, lead):
    chased = VendorFactory(owner=lead, trading_name="Chased")
    quiet = VendorFactory(owner=lead, trading_name="Quiet")
    expired_attestation(chased)  # its refresh task is due on the expiry date: already overdue
    monitoring.attestations_check()
    client.force_login(lead)

    for value in ("open", "overdue"):
        listed = [v.pk for v in client.get("/vendors/", {"follow_ups": value}).context["page_obj"].object_list]
        assert listed == [chased.pk]
    everything = client.get("/vendors/").content.decode()
    assert "Follow-up overdue" in everything and quiet.trading_name in everything
