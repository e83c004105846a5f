"""RFC 9457 problem details (application/problem+json) for every error the API answers.

Each answer carries `type` (a stable URI naming the kind of problem), `title`, `status` and `detail`; a
validation problem adds `errors`, a list of {"field", "message"} (the field as a dotted path, "" for the
whole request). The handlers are installed on the NinjaAPI, so every router (the OCDS one included) shares them.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BaseModel, Field

from procurement.api.auth import ScopeRefused
from procurement.api.screening import UnstorableInput
from procurement.exceptions import DomainError

logger = logging.getLogger(__name__)
CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://baton.example/problems/"

TITLES = {
    400: "Bad request", 401: "Authentication required", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 422: "Invalid request", 500: "Server error",
}
SLUGS = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
         409: "conflict", 422: "validation", 500: "server-error"}


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


def problem(status: int, detail: str, *, errors: list[dict] | None = None, headers: dict | None = None) -> HttpResponse:
    body = {"type": TYPE_BASE + SLUGS.get(status, str(status)), "title": TITLES.get(status, "Error"),
            "status": status, "detail": detail, "errors": errors or []}
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _django_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"field": "" if name == "__all__" else name, "message": message}
                for name, messages in exc.message_dict.items() for message in messages]
    return [{"field": "", "message": message} for message in exc.messages]


def _ninja_errors(exc: NinjaValidationError) -> list[dict]:
    found = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "form", "cookie"):
            loc = loc[1:]
        if loc and loc[0] in ("payload", "filters", "paging", "data"):  # the parameter's own name
            loc = loc[1:]
        found.append({"field": ".".join(loc), "message": error.get("msg", "Invalid value.")})
    return found


def install(api) -> None:
    def on_validation(request, exc):
        errors = _ninja_errors(exc)
        return problem(422, "The request is not valid: " + "; ".join(
            f"{e['field'] or 'request'}: {e['message']}" for e in errors), errors=errors)

    def on_django_validation(request, exc):
        errors = _django_errors(exc)
        return problem(422, " ".join(e["message"] for e in errors) or "The request is not valid.", errors=errors)

    def on_unauthenticated(request, exc):
        return problem(401, "Send a valid API token: “Authorization: Bearer <token>”. It may be missing, wrong, "
                            "expired or revoked, or its owner deactivated.",
                       headers={"WWW-Authenticate": 'Bearer realm="baton"'})

    def on_unstorable(request, exc):
        return problem(422, str(exc), errors=[{"field": "", "message": str(exc)}])

    def on_scope(request, exc):
        return problem(403, str(exc))

    def on_forbidden(request, exc):
        return problem(403, str(exc) or "You may not do this.")

    def on_not_found(request, exc):
        return problem(404, "No such record.")

    def on_domain(request, exc):
        return problem(409, str(exc))

    def on_http(request, exc):
        return problem(exc.status_code, str(exc.message))

    def on_suspicious(request, exc):  # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        return problem(400, "The request was refused: " + (str(exc) or "it is malformed or too large."))

    def on_anything(request, exc):
        logger.exception("API server error on %s %s", request.method, request.path)
        return problem(500, "Something went wrong on our side; it has been logged.")

    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(ScopeRefused, on_scope)
    api.add_exception_handler(UnstorableInput, on_unstorable)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(DomainError, on_domain)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(SuspiciousOperation, on_suspicious)
    api.add_exception_handler(Exception, on_anything)


# The error answers every operation may give, for the OpenAPI document.
COMMON_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}
WRITE_ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
