"""The one NinjaAPI of Baton, assembled from what each app contributes (procurement.contributions)."""

from __future__ import annotations

from functools import cache

from ninja import NinjaAPI

from procurement.api.auth import BearerToken
from procurement.api.problems import install
from procurement.api.routers import audit_router
from procurement.contributions import collect, resolve

DESCRIPTION = """Baton's REST API. Every call needs `Authorization: Bearer <token>`: create a personal token on
your notification preferences page. GET and HEAD need a token with the read scope, other methods the write
scope. Lists take `limit` and `offset`; every GET answers an `ETag` and honours `If-None-Match` (304). Errors are
RFC 9457 problem details (`application/problem+json`). You see exactly what the pages show you: a record you may
not see answers 404, one you see but may not act on 403."""


class BatonAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, with every error answer declared as application/problem+json (what is sent)."""
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        answer["content"] = {"application/problem+json": content["application/json"]}
        return document


@cache
def build_api() -> NinjaAPI:
    api = BatonAPI(title="Baton API", version="1", description=DESCRIPTION, urls_namespace="api",
                   auth=BearerToken(), docs_url=None)  # no Swagger UI: its assets would come from a CDN
    install(api)
    api.add_router("audit/", audit_router)
    for entry in collect().api:
        api.add_router(entry.prefix, resolve(entry.router))
    return api
