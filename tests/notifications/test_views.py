"""Inbox, preferences and calendar-address pages: only your own rows, filters, marking read, forms."""

import pytest
from django.urls import reverse

from procurement.notifications import services
from procurement.notifications.kinds import kind_values
from procurement.notifications.models import CalendarFeed, Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def _tell(user, n, kind="breach", url="/contracts/"):
    return services.notify(recipient=user, kind=kind, key=f"k{n}", subject=f"Event {n}", url=url)


def test_inbox_lists_only_my_notifications_paginated_with_a_count_in_the_navigation(
        client, make_user, django_assert_max_num_queries):
    me, other = make_user(), make_user()
    for n in range(25):
        _tell(me, n)
    _tell(other, 99)
    client.force_login(me)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("notifications:inbox"))

    html = page.content.decode()
    assert page.context["page_obj"].paginator.count == 25 and len(page.context["page_obj"]) == 20
    assert "Event 99" not in html
    nav = {item["label"]: item["count"] for item in page.context["nav_items"]}
    assert nav["Notifications"] == 25


def test_filter_unread_and_mark_read(client, make_user):
    me = make_user()
    first, second = _tell(me, 1), _tell(me, 2, kind="expiry")
    client.force_login(me)
    client.post(reverse("notifications:mark_read", args=[first.pk]))

    unread = client.get(reverse("notifications:inbox"), {"show": "unread"})
    assert [n.pk for n in unread.context["page_obj"]] == [second.pk]
    expiry = client.get(reverse("notifications:inbox"), {"kind": "expiry"})
    assert [n.pk for n in expiry.context["page_obj"]] == [second.pk]
    first.refresh_from_db()
    assert first.read_at is not None and first.history.first().history_user == me


def test_opening_follows_the_link_and_marks_read(client, make_user):
    me = make_user()
    notification = _tell(me, 1, url="/contracts/CT-2026-0001/")
    client.force_login(me)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/contracts/CT-2026-0001/"
    notification.refresh_from_db()
    assert notification.is_read


def test_an_offsite_link_is_never_followed(client, make_user):
    me = make_user()
    notification = _tell(me, 1, url="https://evil.example/")
    client.force_login(me)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_someone_elses_notification_is_404_and_stays_unread(client, make_user):
    me, other = make_user(), make_user()
    theirs = _tell(other, 1)
    client.force_login(me)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client, make_user):
    me = make_user()
    for n in range(3):
        _tell(me, n)
    client.force_login(me)
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(recipient=me, read_at=None).exists()


def test_preferences_form_saves_each_kind_and_channel(client, make_user):
    me = make_user()
    client.force_login(me)
    page = client.get(reverse("notifications:preferences"))
    assert f'name="{"breach"}__email"' in page.content.decode()
    data = {f"{kind}__{channel}": "on" for kind in kind_values() for channel in ("in_app", "email")}
    del data[f"{"breach"}__email"]
    del data[f"{"expiry"}__in_app"]

    response = client.post(reverse("notifications:preferences"), data)

    assert response.status_code == 302
    saved = {(p.kind, p.in_app, p.email) for p in NotificationPreference.objects.filter(user=me)}
    assert saved == {("breach", True, False), ("expiry", False, True)}


def test_calendar_address_is_shown_once_and_only_its_hash_stored(client, make_user):
    me = make_user()
    client.force_login(me)
    page = client.post(reverse("notifications:calendar_token"), {"action": "issue"})
    feed_url = page.context["feed_url"]
    token = feed_url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=me)
    assert token not in feed.token_hash and feed.token_hash == CalendarFeed.hash_token(token)
    assert token not in client.get(reverse("notifications:preferences")).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(reverse("notifications:inbox")).status_code == 302
    assert client.get(reverse("notifications:preferences")).status_code == 302


def test_htmx_asks_for_the_list_only(client, make_user):
    me = make_user()
    _tell(me, 1)
    client.force_login(me)
    response = client.get(reverse("notifications:inbox"), {"show": "unread"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="inbox-items"' in html and "Event 1" in html and "<html" not in html
