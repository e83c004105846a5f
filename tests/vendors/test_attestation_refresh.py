"""Issue 17, finding 18: the tier's attestation refresh cadence drives the daily job (refresh task and reminder),
the vendor page and the calendar feed, not only the expiry date."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from procurement.notifications.models import Notification
from tests.factories.vendors import AttestationFactory, VendorFactory
from vendors.models import Attestation, VendorTask
from vendors.reassessment import add_months
from vendors.services import attestation_record, monitoring

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 10)  # the clock is frozen here and the job is told the same day: any calendar date passes


def at(day: date, hour: int = 9):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


@pytest.fixture
def frozen():
    with time_machine.travel(at(TODAY), tick=False) as traveller:
        yield traveller


def cadence_attestation(vendor, *, months_ago: int = 11, lasts_days: int = 900):
    """Issued `months_ago` months before TODAY, running well past its tier's refresh cadence."""
    return AttestationFactory(vendor=vendor, issued_on=add_months(TODAY, -months_ago),
                              expires_on=TODAY + timedelta(days=lasts_days))


def test_finding_18_the_cadence_opens_one_refresh_task_and_one_reminder_before_expiry(frozen, lead):
    """Before, an attestation due for its yearly refresh but valid for two more years opened nothing."""
    vendor = VendorFactory(owner=lead, tier="high")  # the high plan re-collects every 12 months
    att = cadence_attestation(vendor)
    due = add_months(att.issued_on, 12)  # 10 April 2027: inside the 60-day warning window

    first = monitoring.attestations_check(today=TODAY)
    second = monitoring.attestations_check(today=TODAY)

    task = VendorTask.objects.get()
    assert (task.kind, task.attestation, task.assignee, task.due_on, task.status) == (
        VendorTask.Kind.ATTESTATION_REFRESH, att, lead, due, VendorTask.Status.OPEN)
    assert task.opened_reason == (
        f"ISO/IEC 27001 by {att.issuer}: refresh due on {due.isoformat()} (cadence: the tier re-collects "
        f"attestations every 12 months; it expires on {att.expires_on.isoformat()})")
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.key) == (lead, "expiry", f"attestation:{att.pk}:refresh:{due.isoformat()}")
    assert note.subject == f"{vendor}: ISO/IEC 27001 attestation refresh due ({due.isoformat()})"
    assert f"Refresh due: {due:%d %B %Y} (cadence)." in note.body
    assert "every 12 months" in note.body
    assert (len(first.tasks_opened), first.notified, first.marked) == (1, 1, [])
    assert (second.tasks_opened, second.notified, second.marked) == ([], 0, [])
    att.refresh_from_db()
    assert att.recorded_state == ""  # not expiring: the expiry state is not touched by a cadence refresh


def test_finding_18_nothing_opens_before_the_warning_window(frozen, lead):
    """The cadence refresh waits for the same warning window as expiry (60 days by default)."""
    vendor = VendorFactory(owner=lead, tier="high")
    cadence_attestation(vendor, months_ago=9)  # due in three months

    result = monitoring.attestations_check(today=TODAY)

    assert (result.tasks_opened, result.notified) == ([], 0)
    assert not VendorTask.objects.exists() and not Notification.objects.exists()


def test_finding_18_the_cadence_is_the_vendors_tier_and_untiered_means_the_strictest(frozen, lead):
    """Before, the tier's cadence was only displayed; now a medium vendor (24 months) is not chased at 11 months
    while an untiered one is (the critical plan's 12 months)."""
    medium = VendorFactory(owner=lead, tier="medium")
    untiered = VendorFactory(owner=lead, tier="")
    cadence_attestation(medium)
    chased = cadence_attestation(untiered)

    monitoring.attestations_check(today=TODAY)

    assert list(VendorTask.objects.values_list("attestation_id", flat=True)) == [chased.pk]


def test_finding_18_when_expiry_comes_first_the_reminder_names_expiry(frozen, lead):
    """Before, the reminder named only the expiry; now it names the refresh-due date and its reason."""
    vendor = VendorFactory(owner=lead, tier="high")
    att = AttestationFactory(vendor=vendor, issued_on=TODAY - timedelta(days=100),
                             expires_on=TODAY + timedelta(days=30))

    monitoring.attestations_check(today=TODAY)

    task = VendorTask.objects.get()
    assert task.due_on == att.expires_on
    assert task.opened_reason.endswith(f"refresh due on {att.expires_on.isoformat()} (expiry)")
    note = Notification.objects.get()
    assert note.key == f"attestation:{att.pk}:expiring"
    assert f"Refresh due: {att.expires_on:%d %B %Y} (expiry)." in note.body


def test_finding_18_a_fresh_attestation_closes_the_cadence_task_and_stops_the_chasing(frozen, lead):
    """The renewed certificate the cadence asked for closes the task; the old one is not chased again."""
    vendor = VendorFactory(owner=lead, tier="high")
    old = cadence_attestation(vendor)
    monitoring.attestations_check(today=TODAY)
    task = VendorTask.objects.get()

    new = attestation_record(actor=lead, vendor=vendor, standard=Attestation.Standard.ISO_27001, issuer="Cert Co",
                             scope="Hosting", issued_on=TODAY - timedelta(days=1),
                             expires_on=old.expires_on)  # same end date: a re-audit, not a longer certificate

    task.refresh_from_db()
    assert (task.status, task.closed_by_attestation) == (VendorTask.Status.DONE, new)
    before = Notification.objects.count()
    later = TODAY + timedelta(days=20)
    frozen.move_to(at(later))
    result = monitoring.attestations_check(today=later)
    assert (result.tasks_opened, result.notified) == ([], 0)
    assert Notification.objects.count() == before
    assert VendorTask.objects.filter(status=VendorTask.Status.OPEN).count() == 0


def test_finding_18_the_calendar_feed_shows_the_refresh_due_date(frozen, lead):
    """Before, the calendar carried only the expiry date of each attestation."""
    from vendors.calendar import events

    vendor = VendorFactory(owner=lead, tier="high")
    att = cadence_attestation(vendor, months_ago=6)
    due = add_months(att.issued_on, 12)
    expiring_first = AttestationFactory(vendor=vendor, issued_on=TODAY - timedelta(days=10),
                                        expires_on=TODAY + timedelta(days=200))

    feed = events(lead)

    refresh = [e for e in feed if "refresh due" in e.summary]
    assert [(e.day, e.uid) for e in refresh] == [(due, f"vendors.attestation-{att.pk}-refresh-due@baton")]
    assert "every 12 months" in refresh[0].description
    # one whose expiry comes before its cadence has its expiry only (no second event on another day)
    assert [e.day for e in feed if f"-{expiring_first.pk}-" in e.uid] == [expiring_first.expires_on]


def test_finding_18_the_vendor_page_shows_the_refresh_due_date_and_why(client, frozen, lead):
    """The vendor page names the refresh-due date and whether the cadence or the expiry sets it."""
    vendor = VendorFactory(owner=lead, tier="high")
    att = cadence_attestation(vendor, months_ago=6)
    client.force_login(lead)

    page = client.get(vendor.get_absolute_url()).content.decode()

    due = add_months(att.issued_on, 12)
    assert f'<td data-testid="refresh-due">{due:%Y-%m-%d} <span class="muted">(cadence: every 12 months)</span>' \
        in page
