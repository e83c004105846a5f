"""The daily contract jobs, with frozen time: each reminder goes out once however often the job runs."""

import datetime
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from contracts import services, tasks
from contracts.models import Contract
from procurement.notifications.models import Notification
from tests.factories.contracts import active_contract

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 10)


def at(day: date, hour: int = 7):
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, 0))


@pytest.fixture
def frozen():
    with time_machine.travel(at(TODAY), tick=False) as traveller:
        yield traveller


@pytest.fixture
def contract(lead, manager, business_owner, frozen, settings):
    settings.BATON_NOTICE_LEAD_DAYS = 30
    settings.BATON_RENEWAL_LEAD_DAYS = 60
    # term ends in 100 days with 90 days' notice: the notice deadline is 10 days away
    return active_contract(lead=lead, manager=manager, owner=business_owner, start_date=TODAY - timedelta(days=265),
                           end_date=TODAY + timedelta(days=100), notice_period_days=90)


def renewal_notes():
    return Notification.objects.filter(kind="renewal_notice")


def test_notice_reminder_goes_out_once_to_each_person_however_often_the_job_runs(contract, lead, manager,
                                                                                business_owner, frozen):
    # when the daily job runs twice on the same day (a retry, a second beat) and again the next day
    assert tasks.renewal_reminders.delay().get() == 3
    assert tasks.renewal_reminders.delay().get() == 0
    frozen.shift(timedelta(days=1))
    assert services.renewal_reminders_send() == 0
    # then the notice reminder was sent once to each of the manager, the lead and the owner
    notes = renewal_notes()
    assert {n.recipient for n in notes} == {lead, manager, business_owner} and notes.count() == 3
    assert all(n.key == f"contracts:{contract.pk}:notice:{contract.notice_date.isoformat()}" for n in notes)
    assert "last day to give notice" in notes.first().subject


def test_renewal_reminder_starts_at_its_own_lead_time(contract, frozen):
    services.renewal_reminders_send()
    assert not renewal_notes().filter(key__contains=":renewal:").exists()
    frozen.move_to(at(contract.end_date - timedelta(days=60)))
    assert services.renewal_reminders_send() == 3  # renewal window opens (the notice date has passed)
    assert services.renewal_reminders_send() == 0
    assert renewal_notes().filter(key__contains=":renewal:").count() == 3


def test_nothing_before_the_window_and_nothing_for_closed_or_negotiating_contracts(contract, frozen, settings):
    settings.BATON_NOTICE_LEAD_DAYS = 5
    assert services.renewal_reminders_send() == 0  # 10 days to the notice date, window of 5
    settings.BATON_NOTICE_LEAD_DAYS = 30
    contract.status = Contract.Status.NEGOTIATING
    contract._change_reason = "test"
    contract.save()
    assert services.renewal_reminders_send() == 0


def test_late_invoice_and_usage_forecast_are_told_once(contract, manager, frozen):
    services.payment_terms_update(actor=manager, contract=contract, payment_model="usage",
                                  spend_cap=Decimal("10000"))
    # 265 days in, 9000 spent: the run-rate to the end of the 365-day term is about 12,400, above the cap
    services.invoice_record(actor=manager, contract=contract, number="U-1", amount=Decimal("9000"),
                            received_on=TODAY - timedelta(days=40))
    first = tasks.payments_check.delay().get()
    again = tasks.payments_check.delay().get()
    assert first == {"payment_late": 1, "usage_forecast": 1} and again == {"payment_late": 0, "usage_forecast": 0}
    kinds = sorted(Notification.objects.filter(recipient=manager).values_list("kind", flat=True))
    assert kinds == ["payment_late", "usage_forecast"]


def test_the_jobs_are_in_the_beat_schedule():
    from procurement.beat import BEAT_SCHEDULE

    names = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {"contracts.renewal_reminders", "contracts.payments_check"} <= names
