"""Placeholder: the OCDS release packages in the REST API (filled by the OCDS work of issue 19)."""

from ninja import Router

router = Router()
