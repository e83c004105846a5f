"""The sign-in page and the single sign-on endpoints: the local-login switch, the SSO button, and what a person
reads when a sign-in fails (never an error page)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.factories.accounts import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOCAL = "procurement.sso.backends.LocalPasswordBackend"


@pytest.fixture
def local_mode(sso_on):
    def switch(mode):
        sso_on.BATON_LOCAL_LOGIN = mode
        sso_on.AUTHENTICATION_BACKENDS = [LOCAL if b.endswith("ModelBackend") and "guardian" not in b else b
                                          for b in sso_on.AUTHENTICATION_BACKENDS]
    return switch


def post_password(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})


def test_with_sso_off_the_page_is_the_password_form_and_the_endpoints_say_sso_is_not_set_up(client):
    page = client.get(reverse("login")).content.decode()

    assert 'name="password"' in page and "Sign in with" not in page
    for name in ("sso:authenticate", "sso:callback"):
        response = client.get(reverse(name), {"code": "c", "state": "s"})
        assert response.status_code == 404
        assert "Single sign-on is not set up" in response.content.decode()


def test_with_sso_on_the_page_offers_a_keyboard_usable_button_and_the_password_form(client, sso_on):
    page = client.get(reverse("login"), {"next": "/vendors/"}).content.decode()

    assert '<a class="button primary" id="sso-sign-in" href="/sso/authenticate/?next=/vendors/">' \
           'Sign in with Example ID</a>' in page
    assert 'name="password"' in page


def test_local_login_on_still_signs_in_with_a_password(client, local_mode):
    user = UserFactory()
    local_mode("on")

    response = post_password(client, user)

    assert response.status_code == 302 and client.session[SESSION_KEY] == str(user.pk)


def test_local_login_off_hides_the_form_and_refuses_a_posted_password_with_a_clear_message(client, local_mode):
    user = UserFactory()
    local_mode("off")

    page = client.get(reverse("login")).content.decode()
    response = post_password(client, user)

    assert 'name="password"' not in page and "Password sign-in is switched off" in page
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "Password sign-in is switched off for Baton. Use “Sign in with Example ID”." in response.content.decode()


def test_local_login_off_also_closes_the_admin_sign_in(client, local_mode):
    admin = UserFactory(is_staff=True, is_superuser=True)
    local_mode("off")

    client.post(reverse("admin:login"), {"username": admin.username, "password": TEST_PASSWORD})

    assert SESSION_KEY not in client.session


def test_break_glass_keeps_passwords_for_superusers_only(client, local_mode):
    admin = UserFactory(is_superuser=True, is_staff=True)
    person = UserFactory()
    local_mode("break-glass")

    refused = post_password(client, person)
    assert SESSION_KEY not in client.session
    assert "kept for administrators only" in refused.content.decode()

    post_password(client, admin)
    assert client.session[SESSION_KEY] == str(admin.pk)


def test_authenticate_sends_the_browser_to_the_provider_with_state_nonce_and_pkce(client, sso_on):
    response = client.get(reverse("sso:authenticate"), {"next": "/vendors/"})

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == sso_on.OIDC_OP_AUTHORIZATION_ENDPOINT
    assert query["client_id"] == "baton" and query["response_type"] == "code"
    assert query["redirect_uri"] == "http://testserver/sso/callback/"
    assert query["code_challenge_method"] == "S256"
    stored = client.session["oidc_states"][query["state"]]
    assert stored["nonce"] == query["nonce"] and stored["code_verifier"]
    assert client.session["oidc_login_next"] == "/vendors/"


def test_authenticate_does_not_keep_a_next_address_on_another_site(client, sso_on):
    client.get(reverse("sso:authenticate"), {"next": "https://evil.example.test/"})

    assert client.session["oidc_login_next"] is None


@pytest.mark.parametrize(("query", "message"), [
    ({"code": "c", "state": "never-issued"}, "Baton could not verify this sign-in with Example ID"),
    ({"error": "access_denied", "state": "s"}, "Example ID did not sign you in (access_denied)."),
    ({"error": "<script>alert(1)</script>", "state": "s"}, "did not sign you in (an error it did not explain)"),
    ({}, "Baton could not verify this sign-in"),
])
def test_a_failed_callback_goes_back_to_the_sign_in_page_with_one_clear_sentence(sso_on, query, message):
    client = Client(raise_request_exception=False)
    client.get(reverse("sso:authenticate"))  # a session with a state in it, as in a real attempt

    response = client.get(reverse("sso:callback"), query, follow=True)

    assert response.redirect_chain == [(reverse("login"), 302)]
    page = response.content.decode()
    assert message in page and "<script>alert" not in page
    assert SESSION_KEY not in client.session


def test_a_callback_with_a_state_but_no_session_is_refused_without_calling_the_provider(client, sso_on):
    response = client.get(reverse("sso:callback"), {"code": "c", "state": "s"}, follow=True)

    assert "Baton could not verify this sign-in" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_failed_sso_callbacks_are_not_counted_as_password_guesses_but_passwords_still_are(sso_on, axes_enabled):
    from axes.handlers.proxy import AxesProxyHandler
    from axes.models import AccessAttempt
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    factory = RequestFactory(REMOTE_ADDR="10.0.0.7")
    for _ in range(6):  # more than AXES_FAILURE_LIMIT callbacks that sign nobody in, from one shared address
        request = factory.get("/sso/callback/")
        request.session = {}
        AxesProxyHandler.update_request(request)
        assert authenticate(request=request, nonce="n", code_verifier=None) is None
    assert not AccessAttempt.objects.exists()

    request = factory.post("/accounts/login/")
    AxesProxyHandler.update_request(request)
    assert authenticate(request=request, username="someone", password="wrong-password") is None
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_the_password_link_is_offered_only_to_people_who_have_a_password(client):
    local = UserFactory(username="local-person")
    sso_person = UserFactory(username="sso-person")
    sso_person.set_unusable_password()
    sso_person.save()
    client.force_login(local)
    assert 'href="/accounts/password/"' in client.get("/").content.decode()
    client.force_login(sso_person)
    assert 'href="/accounts/password/"' not in client.get("/").content.decode()
