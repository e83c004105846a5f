"""The fetch-and-authorize kernel: anonymous → login, unseen → 404, seen but forbidden → 403."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from procurement import authz
from procurement.accounts.roles import Role
from procurement.services import worker_heartbeat_record
from tests.procurement.authz_urls import policy

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.procurement.authz_urls")]


@pytest.fixture
def owned(lead):
    return worker_heartbeat_record(hostname=f"{lead.username}-box", pid=1)


def test_anonymous_is_sent_to_login(client, owned):
    response = client.get(f"/hb/{owned.hostname}/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_unknown_object_is_404(client, lead):
    client.force_login(lead)

    assert client.get("/hb/no-such-host/").status_code == 404


def test_object_the_user_cannot_see_is_404_not_403(client, stranger, owned):
    client.force_login(stranger)

    assert client.get(f"/hb/{owned.hostname}/").status_code == 404
    assert client.get(f"/hb/{owned.hostname}/edit/").status_code == 404


def test_seen_but_forbidden_is_403(client, make_user):
    evaluator = make_user(Role.EVALUATOR)
    heartbeat = worker_heartbeat_record(hostname=f"{evaluator.username}-box", pid=1)
    client.force_login(evaluator)

    assert client.get(f"/hb/{heartbeat.hostname}/").status_code == 200
    assert client.get(f"/hb/{heartbeat.hostname}/edit/").status_code == 403


def test_the_right_person_may_act(client, lead, owned):
    client.force_login(lead)

    assert client.get(f"/hb/{owned.hostname}/edit/").content == f"may edit {owned.hostname}".encode()


def test_auditor_sees_everything_and_may_do_nothing(client, auditor, owned):
    client.force_login(auditor)

    assert client.get(f"/hb/{owned.hostname}/").status_code == 200
    assert client.get(f"/hb/{owned.hostname}/edit/").status_code == 403


def test_inactive_user_sees_nothing(lead, owned):
    lead.is_active = False

    assert not policy.visible(lead).exists()
    with pytest.raises(Http404):
        authz.require(lead, policy, "view", owned)


def test_require_is_usable_by_services(evaluator, lead, owned):
    authz.require(lead, policy, "edit", owned)  # allowed: no exception
    with pytest.raises(Http404):
        authz.require(evaluator, policy, "edit", owned)
    own = worker_heartbeat_record(hostname=f"{evaluator.username}-x", pid=2)
    with pytest.raises(PermissionDenied):
        authz.require(evaluator, policy, "edit", own)


def test_malformed_lookup_is_404_not_500(lead):
    with pytest.raises(Http404):
        authz.get_for_user_or_404(lead, policy, pk="not-a-number")


def test_an_empty_related_condition_means_everything_even_with_guardian_grants(lead, owned, stranger):
    class SeeAll(authz.ObjectPolicy):
        model = policy.model
        view_codename = "view_workerheartbeat"

        def related(self, user):
            from django.db.models import Q

            return Q()

    assert list(SeeAll().visible(stranger)) == [owned]
