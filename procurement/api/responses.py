"""Pagination and ETags for the API's GET answers.

A list answers {"count", "limit", "offset", "items"} in a stable order (the caller chooses `limit` up to
BATON_API_PAGE_MAX and `offset`). Every GET answer carries a strong ETag computed from the exact bytes returned;
a request whose If-None-Match names it gets 304 Not Modified with no body.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from ninja import Field, Schema
from pydantic import create_model


class Paging(Schema):
    limit: int = Field(25, ge=1, le=100, description="How many items to return (at most 100).")
    offset: int = Field(0, ge=0, le=1_000_000, description="How many items to skip.")


def page_schema(item: type, name: str) -> type:
    """The schema of one page of `item`s."""
    return create_model(name, __base__=Schema, count=(int, ...), limit=(int, ...), offset=(int, ...),
                        items=(list[item], ...))


def etag_of(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:40] + '"'


def _matches(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    return "*" in candidates or etag in candidates


def conditional(request, schema: type, data: Any) -> HttpResponse:
    """Validate `data` against `schema`, answer it as JSON with its ETag, or 304 when the caller has it."""
    content = schema.model_validate(data).model_dump_json().encode()
    etag = etag_of(content)
    if _matches(request, etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    response = HttpResponse(content, content_type="application/json")
    response["ETag"] = etag
    return response


def paginate(request, queryset, paging: Paging, schema: type, *, items=None) -> HttpResponse:
    """One page of `queryset` (already ordered) answered through `schema` (a page_schema).

    `items(rows)` may turn the page's rows into the objects to serialize (e.g. to attach data computed in bulk)."""
    limit = min(paging.limit, settings.BATON_API_PAGE_MAX)
    count = queryset.count()
    rows = list(queryset[paging.offset:paging.offset + limit]) if paging.offset < count else []
    return conditional(request, schema, {"count": count, "limit": limit, "offset": paging.offset,
                                         "items": items(rows) if items else rows})


def created(schema: type, data: Any) -> tuple[int, Any]:
    return 201, schema.model_validate(data)
