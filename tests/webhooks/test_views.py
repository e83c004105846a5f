"""The webhooks pages: who may open them, bad input next to its field, the secret shown once, the log's filters,
and bounded queries."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from procurement.accounts.roles import Role
from procurement.webhooks import secrets, services
from procurement.webhooks.models import Delivery, WebhookSubscription

pytestmark = pytest.mark.django_db
URL = "https://8.8.8.8/baton"


@pytest.fixture
def subscription(admin):
    return services.subscription_create(actor=admin, url=URL, events=["contract.signed"], description="ERP")[0]


def test_an_administrator_creates_a_subscription_and_sees_its_secret_once(client, admin):
    client.force_login(admin)

    response = client.post(reverse("webhooks:create"), {"url": URL, "events": ["contract.signed", "kpi.breached"],
                                                        "description": "Finance ERP"})

    subscription = WebhookSubscription.objects.get()
    secret = re.search(r'value="(whsec_[^"]+)"', response.content.decode()).group(1)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert secrets.decrypt(subscription.secret_encrypted) == secret
    assert subscription.events == ["contract.signed", "kpi.breached"] and subscription.created_by == admin
    detail = client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    assert "Finance ERP" in detail and secret not in detail


@pytest.mark.parametrize(("url", "words"), [
    ("https://169.254.169.254/latest/meta-data/", "link-local"),
    ("https://localhost/hook", "loopback"),
    ("https://2130706433/hook", "unusual form"),
    ("javascript:alert(1)", "https://"),
])
def test_an_unsafe_url_is_explained_next_to_the_field_and_nothing_is_saved(client, admin, url, words):
    client.force_login(admin)

    response = client.post(reverse("webhooks:create"), {"url": url, "events": ["contract.signed"]})

    page = response.content.decode()
    assert response.status_code == 400 and not WebhookSubscription.objects.exists()
    error = re.search(r'<p class="error" id="id_url_error">([^<]*)</p>', page)
    assert error and words in error.group(1)


def test_unknown_events_are_refused_by_the_form(client, admin):
    client.force_login(admin)

    response = client.post(reverse("webhooks:create"), {"url": URL, "events": ["contract.deleted"]})

    assert response.status_code == 400 and 'id="id_events_error"' in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_people_without_the_permission_get_403_on_the_list_and_404_on_a_subscription(client, make_user,
                                                                                    subscription):
    lead = make_user(Role.PROCUREMENT_LEAD)
    client.force_login(lead)

    assert client.get(reverse("webhooks:list")).status_code == 403
    assert client.get(reverse("webhooks:detail", args=[subscription.pk])).status_code == 404
    assert client.post(reverse("webhooks:deactivate", args=[subscription.pk]),
                       {"reason": "I do not like it"}).status_code == 404
    subscription.refresh_from_db()
    assert subscription.is_active


def test_an_auditor_reads_but_changes_nothing(client, make_user, subscription):
    client.force_login(make_user(Role.AUDITOR))

    listing = client.get(reverse("webhooks:list"))
    refused = client.post(reverse("webhooks:rotate", args=[subscription.pk]), {"reason": "curious"})

    assert listing.status_code == 200 and "ERP" in listing.content.decode()
    assert "New subscription" not in listing.content.decode()
    assert refused.status_code == 403 and subscription.history.count() == 1


def test_a_holder_of_the_permission_manages_webhooks_through_the_pages(client, make_user, subscription):
    person = make_user(Role.PROCUREMENT_LEAD)
    person.user_permissions.add(Permission.objects.get(codename="manage_webhooksubscription"))
    client.force_login(person)

    edited = client.post(reverse("webhooks:edit", args=[subscription.pk]),
                         {"url": "https://8.8.4.4/v2", "events": ["kpi.breached"], "description": "ERP v2",
                          "reason": "Moved to v2"})
    pinged = client.post(reverse("webhooks:ping", args=[subscription.pk]))
    rotated = client.post(reverse("webhooks:rotate", args=[subscription.pk]), {"reason": "Yearly rotation"})
    no_reason = client.post(reverse("webhooks:deactivate", args=[subscription.pk]), {"reason": ""})
    deactivated = client.post(reverse("webhooks:deactivate", args=[subscription.pk]), {"reason": "Retired"})
    after = client.post(reverse("webhooks:edit", args=[subscription.pk]),
                        {"url": URL, "events": ["kpi.breached"], "reason": "Back"})

    subscription.refresh_from_db()
    assert edited.status_code == 302 and pinged.status_code == 302 and deactivated.status_code == 302
    assert rotated.status_code == 200 and "whsec_" in rotated.content.decode()
    assert no_reason.status_code == 400 and 'id="id_reason_error"' in no_reason.content.decode()
    assert after.status_code == 409  # a deactivated subscription is not edited
    assert (subscription.url, subscription.events, subscription.is_active) == ("https://8.8.4.4/v2",
                                                                               ["kpi.breached"], False)
    assert Delivery.objects.get().event == "ping"
    assert [(h.history_change_reason, h.history_user) for h in subscription.history.order_by("history_id")][1:] == [
        ("Moved to v2", person), ("Secret rotated: Yearly rotation", person), ("Deactivated: Retired", person)]


def test_the_delivery_log_filters_paginates_and_costs_constant_queries(client, admin, subscription,
                                                                       django_assert_max_num_queries):
    from tests.factories.vendors import VendorFactory

    services.subscription_update(actor=admin, subscription=subscription, url=URL,
                                 events=["contract.signed", "attestation.expired"])
    vendor = VendorFactory()
    for _ in range(30):
        services.event_publish(event="attestation.expired", subject=vendor, data={})
    ping = services.subscription_ping(actor=admin, subscription=subscription)
    failed = Delivery.objects.filter(event="attestation.expired").first()
    failed.status, failed._change_reason = Delivery.Status.FAILED, "test: failed"
    failed.save()
    client.force_login(admin)
    address = reverse("webhooks:detail", args=[subscription.pk])

    with django_assert_max_num_queries(12):
        first = client.get(address)
    by_status = client.get(address, {"status": "failed"}).content.decode()
    by_event = client.get(address, {"event": "ping"}).content.decode()
    second = client.get(address, {"page": 2}).content.decode()

    assert "Page 1 of 2 (31 in all)" in first.content.decode()
    assert str(failed.uid) in by_status and by_status.count("/deliveries/") == 1
    assert str(ping.uid) in by_event and by_event.count("/deliveries/") == 1
    assert "Page 2 of 2" in second
    assert client.get(address, {"status": "<script>"}).status_code == 200  # a bad filter is ignored, no error


def test_a_failed_delivery_is_resent_from_its_page(client, admin, subscription):
    delivery = services.subscription_ping(actor=admin, subscription=subscription)
    client.force_login(admin)
    page = reverse("webhooks:delivery", args=[subscription.pk, delivery.pk])
    resend = reverse("webhooks:resend", args=[subscription.pk, delivery.pk])

    assert "Send again" not in client.get(page).content.decode()
    assert client.post(resend).status_code == 409  # still waiting: nothing to re-send
    delivery.status, delivery._change_reason = Delivery.Status.FAILED, "test: failed"
    delivery.save()
    assert "Send again" in client.get(page).content.decode()
    assert client.post(resend).status_code == 302

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.history.first().history_change_reason == "Sent again"
    other, _ = services.subscription_create(actor=admin, url="https://8.8.4.4/x", events=["kpi.breached"])
    assert client.get(reverse("webhooks:delivery", args=[other.pk, delivery.pk])).status_code == 404
