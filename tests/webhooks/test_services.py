"""Subscriptions, the outbox (event_publish), delivery attempts against a real receiver, back-off and the sweeper."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from procurement.webhooks import secrets, services
from procurement.webhooks.models import Delivery, DeliveryAttempt, WebhookSubscription
from tests.factories.vendors import VendorFactory

pytestmark = pytest.mark.django_db
PUBLIC_URL = "https://8.8.8.8/baton"  # a public address literal: no DNS needed to save it


def subscribe(admin, url=PUBLIC_URL, events=("contract.signed", "kpi.breached"), **kwargs):
    return services.subscription_create(actor=admin, url=url, events=list(events), **kwargs)


def receiving(admin, receiver, path="/in", events=("attestation.expired",)):
    """A subscription pointing at the loopback receiver, whose secret the receiver is given."""
    subscription, secret = subscribe(admin, f"http://127.0.0.1:{receiver.server_address[1]}{path}", events)
    receiver.secret_file.write_text(secret)
    return subscription


def received(receiver, delivery):
    return [r for r in receiver.received() if r["delivery"] == str(delivery.uid)]


# --- subscriptions -----------------------------------------------------------------------------------------------
def test_creating_a_subscription_keeps_the_secret_encrypted_and_out_of_the_history(admin):
    subscription, secret = subscribe(admin, description="Finance ERP")

    assert secret.startswith("whsec_") and len(secret) > 40
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM webhooks_webhooksubscription WHERE id = %s",
                       [subscription.pk])
        stored = cursor.fetchone()[0]
    assert secret not in stored and secrets.decrypt(stored) == secret
    history = subscription.history.get()
    assert history.history_user == admin and history.history_change_reason == "Subscription created"
    assert not hasattr(history, "secret_encrypted")
    assert subscription.events == ["contract.signed", "kpi.breached"]  # the contributed order


@pytest.mark.parametrize(("url", "events", "field"), [
    ("https://169.254.169.254/latest", ["contract.signed"], "url"),
    ("https://localhost/hook", ["contract.signed"], "url"),
    ("http://8.8.8.8/hook", ["contract.signed"], "url"),
    (PUBLIC_URL, [], "events"),
    (PUBLIC_URL, ["contract.signed", "contract.deleted"], "events"),
    (PUBLIC_URL, ["ping"], "events"),  # the test event is not subscribed to
])
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(admin, url, events, field):
    with pytest.raises(ValidationError) as refused:
        services.subscription_create(actor=admin, url=url, events=events)

    assert field in refused.value.message_dict
    assert not WebhookSubscription.objects.exists()


def test_only_administrators_or_holders_of_the_permission_manage_webhooks(make_user, admin):
    from django.contrib.auth.models import Permission

    lead, auditor = make_user(Role.PROCUREMENT_LEAD), make_user(Role.AUDITOR)
    for person in (lead, auditor):
        with pytest.raises(PermissionDenied):
            subscribe(person)
    trusted = make_user(Role.PROCUREMENT_LEAD)
    trusted.user_permissions.add(Permission.objects.get(codename="manage_webhooksubscription"))
    trusted = type(trusted).objects.get(pk=trusted.pk)

    subscription, _ = subscribe(trusted)

    assert subscription.created_by == trusted
    admin.is_active = False  # and a deactivated administrator no longer even sees it
    admin.save()
    with pytest.raises(Http404):
        services.subscription_deactivate(actor=admin, subscription=subscription, reason="Leaving")


def test_rotating_deactivating_and_editing_leave_history_with_reasons(admin):
    subscription, first = subscribe(admin)

    second = services.subscription_rotate_secret(actor=admin, subscription=subscription, reason="Leaked in a ticket")
    services.subscription_update(actor=admin, subscription=subscription, url="https://8.8.4.4/baton",
                                 events=["kpi.breached"], description="Ops", reason="New endpoint")
    with pytest.raises(ValidationError) as no_reason:
        services.subscription_deactivate(actor=admin, subscription=subscription, reason="  ")
    services.subscription_deactivate(actor=admin, subscription=subscription, reason="Receiver retired")

    subscription.refresh_from_db()
    assert second != first and secrets.decrypt(subscription.secret_encrypted) == second
    assert "reason" in no_reason.value.message_dict
    assert not subscription.is_active and subscription.deactivated_reason == "Receiver retired"
    assert [h.history_change_reason for h in subscription.history.order_by("history_id")] == [
        "Subscription created", "Secret rotated: Leaked in a ticket", "New endpoint",
        "Deactivated: Receiver retired"]
    assert {h.history_user for h in subscription.history.all()} == {admin}
    with pytest.raises(DomainError, match="deactivated"):  # a deactivated one is not edited back to life
        services.subscription_rotate_secret(actor=admin, subscription=subscription, reason="again")


# --- the outbox ---------------------------------------------------------------------------------------------------
def test_publishing_writes_one_delivery_per_active_subscriber_and_queues_on_commit(
        admin, django_capture_on_commit_callbacks):
    vendor = VendorFactory()
    signed_only, _ = subscribe(admin, events=["contract.signed"])
    both, _ = subscribe(admin, url="https://8.8.4.4/x", events=["attestation.expired", "contract.signed"])
    retired, _ = subscribe(admin, url="https://1.1.1.1/x", events=["attestation.expired"])
    services.subscription_deactivate(actor=admin, subscription=retired, reason="Gone")

    with django_capture_on_commit_callbacks() as queued:
        deliveries = services.event_publish(event="attestation.expired", subject=vendor,
                                            data={"attestation_id": 7, "expired_on": timezone.localdate()})

    assert [d.subscription for d in deliveries] == [both] and len(queued) == 1
    delivery = Delivery.objects.get()
    body = json.loads(delivery.body)
    assert body == {"id": str(delivery.event_id), "event": "attestation.expired", "occurred_at": body["occurred_at"],
                    "subject": {"kind": "vendor", "reference": str(vendor.pk),
                                "api_path": f"/api/v1/vendors/{vendor.pk}"},
                    "data": {"attestation_id": 7, "expired_on": timezone.localdate().isoformat()}}
    assert delivery.status == Delivery.Status.PENDING and delivery.history.count() == 1


def test_an_event_in_a_rolled_back_transaction_leaves_nothing_and_queues_nothing(
        admin, django_capture_on_commit_callbacks):
    subscribe(admin, events=["attestation.expired"])
    vendor = VendorFactory()

    with django_capture_on_commit_callbacks() as queued, pytest.raises(RuntimeError), transaction.atomic():
        services.event_publish(event="attestation.expired", subject=vendor, data={})
        assert Delivery.objects.count() == 1
        raise RuntimeError("the change that announced the event failed")

    assert not Delivery.objects.exists() and not Delivery.history.exists()
    assert queued == []


def test_unknown_events_and_subjects_are_programming_errors(admin):
    with pytest.raises(ValueError, match="not a webhook event"):
        services.event_publish(event="memo.leaked", subject=VendorFactory(), data={})
    with pytest.raises(ValueError, match="not webhooks.webhooksubscription"):
        services.event_publish(event="contract.signed", subject=subscribe(admin)[0], data={})


def test_publishing_with_no_subscriber_costs_one_query(django_assert_num_queries):
    vendor = VendorFactory()
    with django_assert_num_queries(1):
        assert services.event_publish(event="attestation.expired", subject=vendor, data={}) == []


# --- delivering to a real receiver -----------------------------------------------------------------------------
def test_a_delivery_is_signed_posted_to_the_checked_address_and_logged(admin, receiver, loopback_allowed):
    subscription = receiving(admin, receiver)
    [delivery] = services.event_publish(event="attestation.expired", subject=VendorFactory(), data={})

    services.delivery_attempt(delivery_id=delivery.pk)
    again = services.delivery_attempt(delivery_id=delivery.pk)  # a duplicate task: nothing happens

    delivery.refresh_from_db()
    [got] = received(receiver, delivery)
    assert got["signature_ok"] and got["answered"] == 200 and got["event"] == "attestation.expired"
    assert got["event_id"] == str(delivery.event_id) and again is None
    assert delivery.status == Delivery.Status.DELIVERED and delivery.last_status_code == 200
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.status_code, attempt.address, attempt.response_excerpt) == (
        1, 200, "127.0.0.1", "received")
    assert attempt.duration_ms < 5000 and subscription.deliveries.count() == 1
    assert [h.history_change_reason for h in delivery.history.order_by("history_id")] == [
        "Event attestation.expired about vendor " + json.loads(delivery.body)["subject"]["reference"],
        "Attempt 1", "Delivered (HTTP 200)"]


def test_a_failing_receiver_is_retried_with_back_off_then_the_delivery_fails(admin, receiver, loopback_allowed):
    loopback_allowed.BATON_WEBHOOK_MAX_ATTEMPTS = 3
    receiving(admin, receiver)
    [delivery] = services.event_publish(event="attestation.expired", subject=VendorFactory(), data={})
    receiver.failing = True
    try:
        before = timezone.now()
        services.delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.PENDING and delivery.tries == 1
        wait = (delivery.next_attempt_at - before).total_seconds()
        assert 60 * 0.8 - 1 <= wait <= 60 * 1.2 + 1  # the first retry: a minute, ±20 %

        assert services.delivery_attempt(delivery_id=delivery.pk) is None  # not due yet: nothing sent
        for _ in range(2):
            row = Delivery.objects.get(pk=delivery.pk)  # make it due (a save, with history)
            row.next_attempt_at = timezone.now()
            row._change_reason = "test: due now"
            row.save()
            services.delivery_attempt(delivery_id=delivery.pk)
    finally:
        receiver.failing = False

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.tries == 3
    assert [a.status_code for a in delivery.attempts.all()] == [500, 500, 500]
    assert delivery.attempts.first().response_excerpt == "receiver says no: 500"
    assert [r["answered"] for r in received(receiver, delivery)] == [500, 500, 500]


def test_a_failed_delivery_is_sent_again_with_the_same_id_and_body(admin, receiver, loopback_allowed):
    loopback_allowed.BATON_WEBHOOK_MAX_ATTEMPTS = 1
    receiving(admin, receiver)
    [delivery] = services.event_publish(event="attestation.expired", subject=VendorFactory(), data={})
    receiver.failing = True
    try:
        services.delivery_attempt(delivery_id=delivery.pk)
    finally:
        receiver.failing = False
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED

    services.delivery_resend(actor=admin, delivery=delivery)
    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert [r["answered"] for r in received(receiver, delivery)] == [500, 200]
    assert list(delivery.attempts.values_list("number", "status_code")) == [(1, 500), (2, 200)]
    assert delivery.history.filter(history_change_reason="Sent again", history_user=admin).exists()
    with pytest.raises(DomainError, match="Only a failed delivery"):
        services.delivery_resend(actor=admin, delivery=delivery)


def test_a_redirect_is_not_followed(admin, receiver, loopback_allowed):
    receiving(admin, receiver, path="/moved")
    [delivery] = services.event_publish(event="attestation.expired", subject=VendorFactory(), data={})

    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.last_status_code == 302
    assert [r["path"] for r in receiver.received() if r["delivery"] == str(delivery.uid)] == ["/moved"]


def test_the_url_is_checked_again_at_delivery_and_nothing_is_sent_when_it_became_unsafe(
        admin, receiver, loopback_allowed):
    receiving(admin, receiver)
    [delivery] = services.event_publish(event="attestation.expired", subject=VendorFactory(), data={})
    loopback_allowed.BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS = []  # the administrator withdrew the exception

    services.delivery_attempt(delivery_id=delivery.pk)

    [attempt] = DeliveryAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code is None and "Refused before sending" in attempt.error and "loopback" in attempt.error
    assert received(receiver, delivery) == []


def test_a_refused_connection_is_an_attempt_with_its_error(admin, loopback_allowed):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscribe(admin, url=f"http://127.0.0.1:{port}/in", events=["attestation.expired"])
    [delivery] = services.event_publish(event="attestation.expired", subject=VendorFactory(), data={})

    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts.get().error == "Could not connect (refused or unreachable)."


def test_a_deactivated_subscription_sends_nothing_more(admin, receiver, loopback_allowed):
    subscription = receiving(admin, receiver)
    [delivery] = services.event_publish(event="attestation.expired", subject=VendorFactory(), data={})
    services.subscription_deactivate(actor=admin, subscription=subscription, reason="Retired")

    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and "deactivated" in delivery.last_error
    assert received(receiver, delivery) == []


# --- back-off and the sweeper ------------------------------------------------------------------------------------
def test_the_back_off_doubles_from_the_base_up_to_the_cap_with_bounded_jitter():
    schedule = [services.backoff_seconds(n, base=60, cap=900, jitter=0) for n in range(1, 7)]
    assert schedule == [60, 120, 240, 480, 900, 900]
    assert services.backoff_seconds(3, base=60, cap=900, jitter=0.2) == pytest.approx(288)
    jittered = [services.backoff_seconds(2, base=60, cap=900) for _ in range(200)]
    assert all(96 <= s <= 144 for s in jittered) and len(set(jittered)) > 100


def test_the_sweeper_queues_deliveries_whose_task_was_lost(admin, receiver, loopback_allowed):
    receiving(admin, receiver)
    [lost, fresh] = [services.event_publish(event="attestation.expired", subject=VendorFactory(), data={})[0]
                     for _ in range(2)]
    long_ago = timezone.now() - timedelta(hours=1)
    row = Delivery.objects.get(pk=lost.pk)
    row.next_attempt_at = row.queued_at = long_ago  # the broker was down when its transaction committed
    row._change_reason = "test: queued an hour ago"
    row.save()

    assert services.delivery_sweep() == 1  # eager here: the task runs at once

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == Delivery.Status.DELIVERED and len(received(receiver, lost)) == 1
    assert fresh.status == Delivery.Status.PENDING  # its own task is still on its way


def test_the_sender_connects_to_the_checked_address_without_looking_the_name_up_again(receiver):
    """DNS rebinding: the name is resolved once, by the guard; the connection goes to that address. Here the
    name cannot be resolved at all, so only the pinned address can have reached the receiver."""
    from procurement.webhooks.sender import post
    from procurement.webhooks.urlsafety import Target

    port = receiver.server_address[1]
    target = Target(scheme="http", host="hooks.partner.invalid", port=port, path="/pinned", addresses=("127.0.0.1",))

    outcome = post(target, body=b"{}", headers={"Baton-Delivery": "pinned-1"}, connect_timeout=2, read_timeout=2)

    [got] = [r for r in receiver.received() if r["delivery"] == "pinned-1"]
    assert outcome.status_code == 401  # it arrived (unsigned, so the receiver refused it)
    assert got["host"] == f"hooks.partner.invalid:{port}" and got["path"] == "/pinned"


def test_the_sweeper_takes_back_an_attempt_whose_worker_died(admin, receiver, loopback_allowed):
    receiving(admin, receiver)
    [delivery] = services.event_publish(event="attestation.expired", subject=VendorFactory(), data={})
    row = Delivery.objects.get(pk=delivery.pk)  # claimed by a worker that was killed mid-request
    row.status, row.tries = Delivery.Status.SENDING, 1
    row.claimed_at = timezone.now() - services.stuck_after() - timedelta(seconds=1)
    row._change_reason = "test: claimed, then the worker died"
    row.save()

    assert services.delivery_sweep() == 1

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.tries == 2
    assert delivery.history.filter(history_change_reason__startswith="Attempt interrupted").exists()
    assert len(received(receiver, delivery)) == 1
