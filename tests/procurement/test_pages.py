"""The UI shell: sign in and out, the role-aware home, error pages, security headers."""

import pytest
from django.urls import reverse

from procurement.accounts.roles import ROLE_SUMMARIES, Role
from tests.factories.accounts import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_home_requires_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302 and response.url == "/accounts/login/?next=/"


def test_sign_in_rotates_the_session_and_lands_on_home(client, lead):
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key

    response = client.post("/accounts/login/", {"username": lead.username, "password": TEST_PASSWORD})

    assert response.status_code == 302 and response.url == "/"
    assert client.session.session_key != before


def test_wrong_password_shows_a_message_and_signs_nobody_in(client, lead):
    response = client.post("/accounts/login/", {"username": lead.username, "password": "wrong"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_inactive_user_cannot_sign_in(client, make_user):
    user = make_user(Role.PROCUREMENT_LEAD, is_active=False)

    client.post("/accounts/login/", {"username": user.username, "password": TEST_PASSWORD})

    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", list(Role))
def test_home_describes_each_role(client, make_user, role):
    client.force_login(make_user(role))

    response = client.get("/")

    assert response.status_code == 200
    assert ROLE_SUMMARIES[role] in response.content.decode()


def test_home_for_a_user_without_role_says_so(client, stranger):
    client.force_login(stranger)

    assert "You hold no role yet" in client.get("/").content.decode()


def test_home_query_count_is_bounded(client, lead, django_assert_max_num_queries):
    client.force_login(lead)
    # session, user, roles; each app's panels (guardian-scoped visibility costs two small lookups per app);
    # the navigation's "My work" and unread-notification counts — a constant, whatever the workload
    with django_assert_max_num_queries(16):
        client.get("/")


def test_sign_out_is_a_post_and_ends_the_session(client, lead):
    client.force_login(lead)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_page_labels_every_field(client, lead):
    client.force_login(lead)

    html = client.get(reverse("password_change")).content.decode()

    for field_id in ("id_old_password", "id_new_password1", "id_new_password2"):
        assert f'<label for="{field_id}">' in html


def test_password_change_errors_are_next_to_the_field_and_summarised(client, lead):
    client.force_login(lead)

    html = client.post(reverse("password_change"), {"old_password": "nope", "new_password1": "a",
                                                    "new_password2": "b"}).content.decode()

    assert 'class="error-summary"' in html
    assert 'id="id_old_password_error"' in html


def test_pages_carry_csp_and_framing_headers(client, lead):
    client.force_login(lead)

    response = client.get("/")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_unknown_url_renders_the_404_page(client, lead, settings):
    settings.DEBUG = False
    client.force_login(lead)

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "There is nothing here that you can see" in response.content.decode()


def test_navigation_shows_only_routed_entries(client, lead):
    client.force_login(lead)

    html = client.get("/").content.decode()

    assert 'aria-current="page">My work' in html


def test_htmx_script_is_served_from_our_own_static_files(client, lead):
    client.force_login(lead)
    html = client.get("/").content.decode()

    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "http://" not in html.split("<body")[0] and "https://" not in html.split("<body")[0]


def test_worker_status_is_honest_about_embedded_mode(client, lead, settings):
    client.force_login(lead)

    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert "render in the web process" in client.get("/").content.decode()

    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert "No worker has reported yet" in client.get("/").content.decode()
