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


# What each answer means, in our words: ninja takes the reason phrase from the running Python's http.HTTPStatus,
# which changed between versions (422 is "Unprocessable Entity" on 3.12, "Unprocessable Content" on 3.13), and the
# published document must not depend on the interpreter that serves it.
ANSWERS = {200: "OK", 201: "Created", 204: "No content", 304: "Not modified: your copy (If-None-Match) is current",
           400: "Bad request", 401: "No valid token", 403: "Forbidden: you see it but may not do this",
           404: "Not found, or not yours to see", 409: "Conflict: the record's state does not allow it now",
           422: "Invalid: the problem's errors name each field", 500: "Server error"}


class BatonAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, with every error answer declared as application/problem+json (what is sent) and each
        answer described from ANSWERS."""
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    if int(status) in ANSWERS:
                        answer["description"] = ANSWERS[int(status)]
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
