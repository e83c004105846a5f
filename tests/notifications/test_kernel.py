"""The notification kernel: once per (recipient, key), preferences per kind and channel, email through Celery."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from procurement.notifications import selectors, services
from procurement.notifications.kinds import kind_values
from procurement.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def _notify(user, key="event-1", **kwargs):
    return services.notify(recipient=user, kind=kwargs.pop("kind", "evaluator_assigned"), key=key,
                           subject="You were assigned", body="Please declare conflicts.", url="/procedures/x/",
                           **kwargs)


def test_notify_twice_creates_one_row_and_one_email(make_user, django_capture_on_commit_callbacks):
    # given a person with the default preferences
    user = make_user()
    # when the same event is told twice
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(user)
    with django_capture_on_commit_callbacks(execute=True):
        second = _notify(user)
    # then one row, one email, marked sent, with the link in the body
    assert first is not None and second is None
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "/procedures/x/" in mail.outbox[0].body
    first.refresh_from_db()
    assert first.email_status == Notification.Email.SENT and first.email_sent_at is not None
    assert first.history.count() == 2  # created, then email sent
    assert first.history.first().history_change_reason == "Email sent"


def test_email_waits_for_the_callers_commit(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(user)
    # One e-mail queued for after the commit (the other callback counts the in-app notice for /metrics).
    emails = [callback for callback in callbacks if getattr(callback, "__name__", "") == "enqueue"]
    assert len(mail.outbox) == 0 and len(emails) == 1
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_rolled_back_caller_leaves_no_notification_and_no_email(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        _notify(user)
        raise RuntimeError("the caller's write failed")
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_sending_task_run_twice_sends_once(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=False):
        notification = _notify(user)
    assert services.notification_email_send(notification_id=notification.pk) is True
    assert services.notification_email_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_duplicate_insert_inside_callers_transaction_is_absorbed(make_user):
    """The unique constraint is the arbiter: a racing insert of the same key leaves the caller's transaction usable."""
    user = make_user()
    with transaction.atomic():
        Notification.objects.create(recipient=user, kind="breach", key="race", subject="x")
        # simulate the loser of a race: the pre-check passed before the winner's row existed
        row = Notification(recipient=user, kind="breach", key="race", subject="y")
        with pytest.raises(IntegrityError), transaction.atomic():
            row.save()
        assert Notification.objects.filter(recipient=user).count() == 1  # the outer transaction still works


def test_email_off_still_shows_in_the_inbox(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    services.preferences_set(actor=user, choices={"evaluator_assigned": {"in_app": True, "email": False}})
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify(user)
    assert mail.outbox == []
    assert notification.email_status == Notification.Email.NOT_WANTED
    assert list(selectors.inbox(user)) == [notification]


def test_in_app_off_sends_email_but_shows_nothing_in_the_inbox(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    services.preferences_set(actor=user, choices={"evaluator_assigned": {"in_app": False, "email": True}})
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    assert len(mail.outbox) == 1
    assert list(selectors.inbox(user)) == [] and selectors.unread_count(user) == 0


def test_both_channels_off_creates_nothing(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    services.preferences_set(actor=user, choices={"evaluator_assigned": {"in_app": False, "email": False}})
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(user) is None
    assert not Notification.objects.exists() and mail.outbox == []


def test_preferences_are_per_kind(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    services.preferences_set(actor=user, choices={"breach": {"in_app": True, "email": False}})
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user, key="a", kind="breach")
        _notify(user, key="b", kind="expiry")
    assert [m.subject for m in mail.outbox] == ["[Baton] You were assigned"]
    assert Notification.objects.get(key="b").email_status == Notification.Email.SENT


def test_inactive_recipient_gets_nothing(make_user, django_capture_on_commit_callbacks):
    user = make_user(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(user) is None
    assert not Notification.objects.exists() and mail.outbox == []


def test_recipient_deactivated_before_the_task_runs_gets_no_email(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=False):
        notification = _notify(user)
    user.is_active = False
    user.save()
    assert services.notification_email_send(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.email_status == Notification.Email.FAILED and mail.outbox == []


def test_link_defaults_to_the_targets_page(make_user, procedure, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(recipient=user, kind="evaluator_assigned", key="t", subject="s",
                                       target=procedure)
    assert notification.url == procedure.get_absolute_url()
    assert notification.target == procedure


def test_unknown_kind_is_refused(make_user):
    with pytest.raises(ValueError):
        services.notify(recipient=make_user(), kind="gossip", key="k", subject="s")


def test_preferences_are_audit_trailed_and_only_changed_rows_saved(make_user):
    user = make_user()
    services.preferences_set(actor=user, choices={k: {"in_app": True, "email": True} for k in kind_values()})
    assert not NotificationPreference.objects.exists()  # defaults need no row
    services.preferences_set(actor=user, choices={"breach": {"in_app": True, "email": False}})
    pref = NotificationPreference.objects.get(user=user, kind="breach")
    assert pref.history.first().history_user == user
    assert pref.history.first().history_change_reason == "Notification preferences changed"


def test_mark_read_and_mark_all_read(make_user, django_capture_on_commit_callbacks):
    user, other = make_user(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(user, key="1")
        _notify(user, key="2")
        theirs = _notify(other, key="1")
    services.notification_mark_read(notification=first, actor=user)
    assert selectors.unread_count(user) == 1
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied: not yours
        services.notification_mark_read(notification=theirs, actor=user)
    assert services.notification_mark_all_read(actor=user) == 1
    assert selectors.unread_count(user) == 0 and selectors.unread_count(other) == 1


def test_sweeper_requeues_stale_queued_emails(make_user, django_capture_on_commit_callbacks, time_machine):
    user = make_user()
    time_machine.move_to("2026-03-02 09:00:00Z")
    with django_capture_on_commit_callbacks(execute=False):
        _notify(user)  # the broker was down: the on-commit callback never ran
    time_machine.move_to("2026-03-02 09:10:00Z")
    assert services.notification_email_sweep() == 1
    assert len(mail.outbox) == 1
    assert services.notification_email_sweep() == 0
