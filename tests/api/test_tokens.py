"""API tokens: created with the secret shown once and only its sha256 stored; expiry, revocation, deactivation
and scope each stop a token at once, answered as problem+json."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from procurement.accounts.roles import Role
from procurement.accounts.services import user_deactivate
from procurement.api.models import ApiToken
from procurement.api.services import TOUCH_EVERY, api_token_create, api_token_revoke
from tests.api.conftest import Api, token_for
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("https://")
    return body


def test_the_secret_is_shown_once_and_only_its_sha256_is_stored():
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])

    token, secret = api_token_create(actor=lead, name="ERP sync", scope="write",
                                     expires_on=timezone.localdate() + timedelta(days=10))

    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith(f"baton_{stored.prefix}_") and len(secret) > 50
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    history = stored.history.get()
    assert history.history_user == lead and "created" in history.history_change_reason
    assert not hasattr(history, "digest")  # the digest never enters the history
    assert Api(secret).get("vendors/").status_code == 200


@pytest.mark.parametrize("days, problem", [(0, "after today"), (-3, "after today"), (366, "at most 365 days")])
def test_expiry_must_be_in_the_future_and_within_a_year(days, problem):
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    with pytest.raises(ValidationError) as refused:
        api_token_create(actor=lead, name="x", scope="read", expires_on=timezone.localdate() + timedelta(days=days))
    assert problem in str(refused.value.message_dict["expires_on"])
    assert not ApiToken.objects.exists()


def test_wrong_missing_expired_revoked_and_deactivated_tokens_answer_401():
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    secret = token_for(lead)
    token = ApiToken.objects.get(user=lead)
    tampered = secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")

    for header in (None, "Bearer ", f"Bearer {tampered}", "Bearer baton_nope_x", f"Basic {secret}"):
        client = Api(None)
        response = client.client.get("/api/v1/vendors/", headers={"Authorization": header} if header else {})
        _problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")

    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    _problem(Api(secret).get("vendors/"), 401)

    other = token_for(lead)
    api_token_revoke(actor=lead, token=ApiToken.objects.get(user=lead, revoked_at=None, expires_at__gt=timezone.now()),
                     reason="Leaked in a log")
    _problem(Api(other).get("vendors/"), 401)

    third = token_for(lead)
    assert Api(third).get("vendors/").status_code == 200
    user_deactivate(user=lead, actor=None, reason="Left the company")
    _problem(Api(third).get("vendors/"), 401)


def test_a_read_token_cannot_write_and_nothing_is_saved():
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    body = {"legal_name": "Scoped Ltd", "country": "DE", "offering_type": "ai_saas", "ai_act_role": "provider"}

    body_403 = _problem(Api(token_for(lead, "read")).post("vendors/", body), 403)

    assert "write" in body_403["detail"]
    from vendors.models import Vendor
    assert not Vendor.objects.filter(legal_name="Scoped Ltd").exists()
    assert Api(token_for(lead, "write")).post("vendors/", body).status_code == 201


def test_a_session_cookie_does_not_authenticate_the_api(client):
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    client.force_login(lead)
    _problem(client.get("/api/v1/vendors/"), 401)


def test_only_the_owner_revokes_with_a_reason_and_auditors_hold_read_tokens_only():
    lead, other = UserFactory(roles=[Role.PROCUREMENT_LEAD]), UserFactory(roles=[Role.PROCUREMENT_LEAD])
    auditor = UserFactory(roles=[Role.AUDITOR])
    token, _ = api_token_create(actor=lead, name="mine", scope="read",
                                expires_on=timezone.localdate() + timedelta(days=5))

    with pytest.raises(Http404):  # another person's token is not even seen
        api_token_revoke(actor=other, token=token, reason="not mine")
    with pytest.raises(ValidationError):
        api_token_revoke(actor=lead, token=token, reason="  ")
    with pytest.raises(ValidationError) as refused:
        api_token_create(actor=auditor, name="audit", scope="write",
                         expires_on=timezone.localdate() + timedelta(days=5))
    assert "read-only" in str(refused.value)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    audit_token, _ = api_token_create(actor=auditor, name="audit", scope="read",
                                      expires_on=timezone.localdate() + timedelta(days=5))
    api_token_revoke(actor=auditor, token=audit_token, reason="Rotated")
    assert ApiToken.objects.get(pk=audit_token.pk).revoked_reason == "Rotated"


def test_last_used_is_stamped_at_most_once_a_minute_and_off_the_history():
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    api = Api(token_for(lead))
    token = ApiToken.objects.get(user=lead)

    for _ in range(3):
        assert api.get("vendors/").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and token.history.count() == 1  # the creation only

    token.last_used_at = first - TOUCH_EVERY
    token.skip_history_when_saving = True
    token.save(update_fields=["last_used_at"])
    api.get("vendors/")
    token.refresh_from_db()
    assert token.last_used_at > first - TOUCH_EVERY and token.history.count() == 1


def test_the_preferences_panel_creates_shows_once_lists_and_revokes(client):
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    client.force_login(lead)
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()

    bad = client.post(reverse("api_tokens:create"), {"name": "", "scope": "write", "expires_on": "2001-01-01"})
    assert bad.status_code == 400 and not ApiToken.objects.exists()
    assert "This field is required." in bad.content.decode()

    created = client.post(reverse("api_tokens:create"), {"name": "ERP", "scope": "write", "expires_on": expires})
    token = ApiToken.objects.get(user=lead)
    secret = created.context["secret"]
    assert secret in created.content.decode() and token.digest == ApiToken.digest_of(secret)

    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "ERP" in page and f"baton_{token.prefix}_" in page and secret not in page

    assert client.post(reverse("api_tokens:revoke", args=[token.pk]), {"reason": ""}).status_code == 400
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    done = client.post(reverse("api_tokens:revoke", args=[token.pk]), {"reason": "Vendor changed"})
    assert done.status_code == 302 and ApiToken.objects.get(pk=token.pk).revoked_reason == "Vendor changed"
    assert Api(secret).get("vendors/").status_code == 401

    stranger = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    client.force_login(stranger)
    assert client.get(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404
