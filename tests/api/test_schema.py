"""The committed OpenAPI document (docs/openapi.json) is the one the API serves."""

import json

import pytest
from django.core.management import CommandError, call_command

from procurement.api.schema import COMMITTED, schema_text


def test_the_committed_schema_is_up_to_date():
    assert COMMITTED.read_text() == schema_text(), "docs/openapi.json is stale: run `manage.py api_schema`"


@pytest.mark.django_db
def test_the_served_schema_is_public_has_no_docs_page_and_names_bearer_auth(client):
    served = client.get("/api/v1/openapi.json")
    document = served.json()
    assert served.status_code == 200 and document == json.loads(schema_text())
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert client.get("/api/v1/docs").status_code == 404  # no Swagger UI (it would load from a CDN)


def test_the_check_command_fails_on_a_stale_schema(tmp_path, monkeypatch):
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n")
    monkeypatch.setattr("procurement.api.management.commands.api_schema.COMMITTED", stale)
    with pytest.raises(CommandError, match="out of date"):
        call_command("api_schema", "--check")
    call_command("api_schema")
    call_command("api_schema", "--check")
    assert json.loads(stale.read_text())["info"]["title"] == "Baton API"
