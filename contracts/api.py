"""Placeholder: the REST API's routers for this app (filled by the API work of issue 19)."""

from ninja import Router

router = Router()
