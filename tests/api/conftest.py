"""Fixtures of the REST API tests: one world (tests.security.scenario) built once per module inside an outer
transaction (every test runs in a savepoint within it), and tokens for its people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from procurement.api.services import api_token_create
from tests.awards.conftest import evaluation  # noqa: F401 - a procedure in evaluation, for the score sheet
from tests.module_world import module_world
from tests.security.scenario import Scenario

API = "/api/v1/"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with module_world(django_db_blocker, tmp_path_factory, "api-world"):
        s = Scenario()
        for name in ("lead", "owner", "approvers", "manager", "auditor", "risk_owner", "vendor", "evidence",
                     "risk", "memo", "approved_memo", "contract", "live", "kpi", "invoice", "milestone"):
            getattr(s, name)
        yield s


def token_for(user, scope: str = "read", days: int = 30) -> str:
    _, secret = api_token_create(actor=user, name=f"{scope} token", scope=scope,
                                 expires_on=timezone.localdate() + timedelta(days=days))
    return secret


class Api:
    """A test client that speaks to the API with a bearer token (and never a session)."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, headers: dict | None = None, **params):
        return self.client.get(API + path, params, headers={**self.headers, **(headers or {})})

    def post(self, path: str, body: dict | list | str):
        data = body if isinstance(body, str) else __import__("json").dumps(body, default=str)
        return self.client.post(API + path, data, content_type="application/json", headers=self.headers)


@pytest.fixture
def api_as():
    def make(user, scope: str = "read") -> Api:
        return Api(token_for(user, scope))

    return make
